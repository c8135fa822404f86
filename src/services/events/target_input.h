#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace serval::events {

// What EventBridge does to an event between a rule matching and a target receiving it: the
// standard Scheduled Event a schedule rule emits, and the target's Input / InputPath /
// InputTransformer shaping (wire contract: reference/aws-wire-contracts.md §4.3, §4.4).
// Everything here is a pure function of its arguments. Thread-safe.

// The fields of one Scheduled Event.
struct ScheduledEventFields {
  std::string id;  // event id, a UUID; a fresh NewUuid() when empty
  std::string account;
  std::string region;
  int64_t time_millis = 0;  // the schedule time; the event carries whole seconds
  std::string rule_arn;     // arn:aws:events:REGION:ACCOUNT:rule/NAME (see EventsRuleArn)
};

// The event a schedule rule delivers, byte for byte in AWS's key order and compact form:
// {"version":"0","id":"…","detail-type":"Scheduled Event","source":"aws.events",
//  "account":"…","time":"2015-10-08T16:53:06Z","region":"…","resources":["<rule arn>"],
//  "detail":{}}
std::string ScheduledEventJson(const ScheduledEventFields& fields);

// arn:aws:events:REGION:ACCOUNT:rule/NAME — a rule on the default event bus.
std::string EventsRuleArn(std::string_view region, std::string_view account,
                          std::string_view rule_name);

// "2015-10-08T16:53:06Z": ISO 8601 UTC to the second, as EventBridge writes event times.
std::string FormatEventTime(int64_t epoch_millis);

// InputTransformer: variables taken from the event by JSONPath, and a template using them as
// <name>. Names are 1-256 of [A-Za-z0-9_-]; at most 100 of them.
struct InputTransformer {
  std::map<std::string, std::string> input_paths_map;  // name -> JSONPath
  std::string input_template;                          // 1-8192 characters
};

// How one target's input is built. At most one member is set (ValidateTargetInputSpec); with
// none the target receives the event itself.
struct TargetInputSpec {
  std::optional<std::string> input;       // constant JSON text, delivered verbatim
  std::optional<std::string> input_path;  // JSONPath selecting part of the event
  std::optional<InputTransformer> input_transformer;
};

// What the reserved template variables stand for at delivery time.
struct TargetInputContext {
  std::string rule_arn;   // <aws.events.rule-arn>
  std::string rule_name;  // <aws.events.rule-name>
  // <aws.events.event.ingestion-time>, formatted like FormatEventTime. When absent, the event's
  // own "time" is used.
  std::optional<int64_t> ingestion_time_millis;
};

// Refuses what PutTargets refuses, with InvalidArgument and a message the caller can return as
// a ValidationException or a FailedEntries record. `target_id`, when given, is named in the
// message as AWS does ("... for target <id>."). Checks: more than one of Input / InputPath /
// InputTransformer; Input that is not one JSON value or longer than 8192; an InputPath or
// InputPathsMap value that is not a JSONPath this module can evaluate (see below) or longer
// than 256; more than 100 InputPathsMap entries; a name outside [A-Za-z0-9_-]{1,256} or
// starting with "aws." (the reserved namespace); an empty or over-long InputTemplate; a
// template placeholder naming neither a defined nor a reserved variable; a template that
// starts with '{' but is not JSON once its placeholders are filled in; a placeholder used as
// an object key.
//
// JSONPath subset (EventBridge documents dot notation, dashes, underscores, alphanumerics,
// forward slashes, array indexes and wildcards): `$`, `.name`, `['name']` / `["name"]`
// (backslash escapes the quote or a backslash), `[N]`, and the wildcards `.*` / `[*]`. A path
// with a wildcard yields an array of every match. Refused as invalid: recursive descent `..`,
// negative indexes, slices, unions, filters `[?(...)]`, and functions.
absl::Status ValidateTargetInputSpec(const TargetInputSpec& spec, std::string_view target_id = {});

// The bytes the target receives for `event_json` (one JSON event):
//  - no member set: `event_json` unchanged;
//  - Input: the text verbatim;
//  - InputPath: the selected value as compact JSON (a string keeps its quotes); an empty
//    string when the path selects nothing;
//  - InputTransformer: the template with placeholders filled in, per the rules in
//    target_input.cc (JSON templates come out compact; other templates textually).
// InvalidArgument when `event_json` is not JSON (for the modes that read it) or the spec holds
// a path that does not parse; callers validate specs first, so that means a bug or bad data.
absl::StatusOr<std::string> ShapeTargetInput(const TargetInputSpec& spec,
                                             std::string_view event_json,
                                             const TargetInputContext& context = {});

}  // namespace serval::events
