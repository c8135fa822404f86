// Events of one stream: PutLogEvents and GetLogEvents.
#include <algorithm>
#include <boost/json.hpp>
#include <deque>

#include "protocol/validation.h"
#include "services/logs/event_ids.h"
#include "services/logs/logs_service.h"
#include "services/logs/request_fields.h"
#include "services/logs/subscription_delivery.h"
#include "storage/log_store.h"
#include "storage/offload.h"

namespace serval::logs {
namespace json = boost::json;
namespace {

// PutLogEvents' limits (aws-wire-contracts-2.md 2.3).
constexpr size_t kMaxBatchEvents = 10000;
constexpr size_t kMaxBatchBytes = 1048576;
constexpr size_t kEventOverheadBytes = 26;
constexpr int64_t kMaxFutureMillis = 2LL * 3600 * 1000;
constexpr int64_t kMaxAgeMillis = 14LL * 24 * 3600 * 1000;
constexpr int64_t kMaxSpanMillis = 24LL * 3600 * 1000;
// GetLogEvents' page limits.
constexpr int kMaxPageEvents = 10000;
constexpr size_t kMaxPageBytes = 1048576;

absl::StatusOr<std::vector<storage::LogEvent>> ReadLogEvents(const json::object& input) {
  const json::value* list = input.if_contains("logEvents");
  if (list == nullptr || list->is_null()) {
    return protocol::ValidationErrors()
        .AddMissing("logEvents")
        .ToStatus("InvalidParameterException");
  }
  if (!list->is_array()) return protocol::WrongMemberType("logEvents");
  const json::array& items = list->get_array();
  if (items.empty() || items.size() > kMaxBatchEvents) {
    return protocol::ValidationErrors()
        .Add("[...]", "logEvents",
             items.empty() ? "Member must have length greater than or equal to 1"
                           : "Member must have length less than or equal to 10000")
        .ToStatus("InvalidParameterException");
  }
  std::vector<storage::LogEvent> events;
  events.reserve(items.size());
  size_t bytes = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const json::object* item = items[i].if_object();
    if (item == nullptr) return protocol::WrongMemberType("logEvents");
    auto timestamp = OptionalInteger(*item, "timestamp");
    if (!timestamp.ok()) return timestamp.status();
    auto message = OptionalString(*item, "message");
    if (!message.ok()) return message.status();
    const std::string member = "logEvents." + std::to_string(i + 1);
    protocol::ValidationErrors errors;
    if (!timestamp->has_value()) errors.AddMissing(member + ".member.timestamp");
    if (!message->has_value()) {
      errors.AddMissing(member + ".member.message");
    } else if ((*message)->empty()) {
      errors.Add(**message, member + ".member.message",
                 "Member must have length greater than or equal to 1");
    }
    if (!errors.empty()) return errors.ToStatus("InvalidParameterException");
    bytes += (*message)->size() + kEventOverheadBytes;
    events.push_back({.timestamp_millis = **timestamp, .message = **std::move(message)});
  }
  if (bytes > kMaxBatchBytes) {
    return InvalidParameter("Upload too large: " + std::to_string(bytes) +
                            " bytes exceeds limit of " + std::to_string(kMaxBatchBytes));
  }
  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].timestamp_millis < events[i - 1].timestamp_millis) {
      return InvalidParameter(
          "Log events in a single PutLogEvents request must be in chronological order.");
    }
  }
  return events;
}

// One page of GetLogEvents, read on the reader thread.
struct Page {
  std::deque<storage::LogEvent> events;
  uint64_t resume = 0;  // where reading forwards after this page starts
};

}  // namespace

void LogsService::PutLogEvents(const Input& input, Done done) {
  auto name = ReadStreamName(input);
  if (!name.ok()) return done(name.status());
  const std::string& group = name->group;
  if (auto token = OptionalString(input, "sequenceToken"); !token.ok()) {
    return done(token.status());  // otherwise ignored, as AWS now ignores it
  }
  auto events = ReadLogEvents(input);
  if (!events.ok()) return done(events.status());

  // Events too old, past the retention or too new are dropped and reported; the rest stored.
  const int64_t now = platform_.clock->NowMillis();
  const int64_t retention_cutoff = RetentionCutoff(group);
  size_t too_old_end = 0;
  size_t expired_end = 0;
  size_t too_new_start = events->size();
  for (size_t i = 0; i < events->size(); ++i) {
    const int64_t timestamp = (*events)[i].timestamp_millis;
    if (timestamp < now - kMaxAgeMillis) too_old_end = i + 1;
    if (timestamp < retention_cutoff) expired_end = i + 1;
    if (timestamp > now + kMaxFutureMillis && too_new_start == events->size()) too_new_start = i;
  }
  json::object rejected;
  if (too_old_end > 0) rejected["tooOldLogEventEndIndex"] = too_old_end;
  if (expired_end > 0) rejected["expiredLogEventEndIndex"] = expired_end;
  if (too_new_start < events->size()) rejected["tooNewLogEventStartIndex"] = too_new_start;
  const size_t first = std::max(too_old_end, expired_end);
  std::vector<storage::LogEvent> accepted;
  if (first < too_new_start) {
    accepted.assign(std::make_move_iterator(events->begin() + first),
                    std::make_move_iterator(events->begin() + too_new_start));
  }
  if (!accepted.empty() &&
      accepted.back().timestamp_millis - accepted.front().timestamp_millis > kMaxSpanMillis) {
    return done(InvalidParameter(
        "The batch of log events in a single PutLogEvents request cannot span more than 24 "
        "hours."));
  }
  storage::Offload(
      writer_, platform_.post_to_io,
      [logs = platform_.logs, name = *name, accepted = std::move(accepted),
       now]() -> absl::StatusOr<std::string> {
        if (auto status = logs->AppendSynced(name.group, name.stream, accepted, now);
            !status.ok()) {
          return status;
        }
        auto info = logs->GetStream(name.group, name.stream);
        if (!info.ok()) return info.status();
        return SequenceToken(info->id, info->end_offset);
      },
      [this, rejected = std::move(rejected),
       count = first < too_new_start ? too_new_start - first : 0,
       done](absl::StatusOr<std::string> sequence_token) {
        if (!sequence_token.ok()) return done(FromStore(sequence_token.status()));
        events_put_ += count;
        json::object out{{"nextSequenceToken", *sequence_token}};
        if (!rejected.empty()) out["rejectedLogEventsInfo"] = rejected;
        done(std::move(out));
      });
}

void LogsService::GetLogEvents(const Input& input, Done done) {
  auto name = ReadStreamName(input);
  if (!name.ok()) return done(name.status());
  auto start = OptionalInteger(input, "startTime");
  if (!start.ok()) return done(start.status());
  auto end = OptionalInteger(input, "endTime");
  if (!end.ok()) return done(end.status());
  auto limit = ReadLimit(input, kMaxPageEvents, kMaxPageEvents);
  if (!limit.ok()) return done(limit.status());
  auto from_head = OptionalBool(input, "startFromHead", false);
  if (!from_head.ok()) return done(from_head.status());
  auto token = OptionalString(input, "nextToken");
  if (!token.ok()) return done(token.status());
  std::optional<ReadPosition> position;
  if (token->has_value()) {
    position = ParseReadPosition(**token);
    if (!position) return done(InvalidParameter("The specified nextToken is invalid."));
  }
  // startTime inclusive, endTime exclusive; events past the retention are gone.
  const int64_t lowest = std::max(start->value_or(INT64_MIN), RetentionCutoff(name->group));
  const int64_t highest = end->has_value() ? **end - 1 : INT64_MAX;
  const bool forward = position ? position->forward : *from_head;
  storage::Offload(
      reader_, platform_.post_to_io,
      [logs = platform_.logs, group = name->group, stream = name->stream, position, forward, lowest,
       highest, limit = static_cast<size_t>(*limit)]() -> absl::StatusOr<Page> {
        auto info = logs->GetStream(group, stream);
        if (!info.ok()) return info.status();
        if (position && !logs->IsEventBoundary(group, stream, position->offset)) {
          return InvalidParameter("The specified nextToken is invalid.");
        }
        Page page;
        size_t bytes = 0;
        auto in_range = [&](const storage::LogEvent& event) {
          return event.timestamp_millis >= lowest && event.timestamp_millis <= highest;
        };
        if (forward) {
          const uint64_t from = position ? position->offset : info->first_event_offset;
          auto resume = logs->ReadStream(
              group, stream, from, info->end_offset, [&](const storage::LogEvent& event) {
                if (!in_range(event)) return true;
                page.events.push_back(event);
                bytes += event.message.size() + 26;
                return page.events.size() < limit && bytes < kMaxPageBytes;
              });
          if (!resume.ok()) return resume.status();
          page.resume = *resume;
          return page;
        }
        // Backwards: the last `limit` events before the position (the end without one).
        const uint64_t until = position ? position->offset : info->end_offset;
        auto read = logs->ReadStream(group, stream, info->first_event_offset, until,
                                     [&](const storage::LogEvent& event) {
                                       if (!in_range(event)) return true;
                                       page.events.push_back(event);
                                       bytes += event.message.size() + 26;
                                       while (page.events.size() > limit || bytes > kMaxPageBytes) {
                                         bytes -= page.events.front().message.size() + 26;
                                         page.events.pop_front();
                                       }
                                       return true;
                                     });
        if (!read.ok()) return read.status();
        page.resume = until;
        return page;
      },
      [position, token = token->value_or(""), done](absl::StatusOr<Page> page) {
        if (!page.ok()) return done(FromStore(page.status()));
        json::array events;
        for (const storage::LogEvent& event : page->events) {
          events.push_back(json::object{{"timestamp", event.timestamp_millis},
                                        {"message", event.message},
                                        {"ingestionTime", event.ingestion_millis}});
        }
        // With no event read, the token sent comes back: the end of the stream, for clients.
        std::string next_forward;
        std::string next_backward;
        if (page->events.empty()) {
          const uint64_t here = position ? position->offset : page->resume;
          next_forward = position && position->forward
                             ? token
                             : FormatReadPosition({.forward = true, .offset = here});
          next_backward = position && !position->forward
                              ? token
                              : FormatReadPosition({.forward = false, .offset = here});
        } else {
          // Forwards from after the page (backwards pages end where the position was).
          next_forward = FormatReadPosition({.forward = true, .offset = page->resume});
          next_backward =
              FormatReadPosition({.forward = false, .offset = page->events.front().offset});
        }
        done(json::object{{"events", std::move(events)},
                          {"nextForwardToken", next_forward},
                          {"nextBackwardToken", next_backward}});
      });
}

}  // namespace serval::logs
