#include "services/lambda/event_source_mapping.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <regex>
#include <tuple>

#include "common/json_fields.h"
#include "protocol/validation.h"
#include "services/events/event_pattern.h"
#include "services/lambda/errors.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

json::object DestinationJson(const std::string& arn) {
  return arn.empty() ? json::object{} : json::object{{"Destination", arn}};
}

absl::Status NotParsable(std::string_view member) {
  return InvalidRequestContent(fmt::format(
      "Could not parse request body into json: {} is not of the expected type", member));
}

// The integer members, their range as the model gives it and the wire name its validation
// message uses.
struct IntField {
  const char* member;
  const char* wire_name;
  int EventSourceMapping::*field;
  int low;
  int high;
};
constexpr IntField kIntFields[] = {
    {"BatchSize", "batchSize", &EventSourceMapping::batch_size, 1, 10000},
    {"MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds",
     &EventSourceMapping::maximum_batching_window_seconds, 0, 300},
    {"MaximumRetryAttempts", "maximumRetryAttempts", &EventSourceMapping::maximum_retry_attempts,
     -1, 10000},
    {"MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds",
     &EventSourceMapping::maximum_record_age_seconds, -1, 604800},
};

absl::Status ApplyIntFields(const json::object& body, EventSourceMapping& mapping) {
  for (const IntField& spec : kIntFields) {
    const json::value* value = body.if_contains(spec.member);
    if (!value || value->is_null()) continue;
    if (!value->is_int64()) return NotParsable(spec.member);
    const int64_t number = value->get_int64();
    if (auto s = protocol::CheckValueRange(number, spec.wire_name, spec.low, spec.high); !s.ok()) {
      return s;
    }
    mapping.*spec.field = static_cast<int>(number);
  }
  if (mapping.maximum_record_age_seconds != -1 && mapping.maximum_record_age_seconds < 60) {
    return InvalidParameter(
        "MaximumRecordAgeInSeconds must be -1 (no limit) or between 60 and 604800 seconds");
  }
  return absl::OkStatus();
}

absl::Status ApplyBoolFields(const json::object& body, EventSourceMapping& mapping) {
  for (auto [member, field] : {std::pair{"Enabled", &EventSourceMapping::enabled},
                               std::pair{"BisectBatchOnFunctionError",
                                         &EventSourceMapping::bisect_batch_on_function_error}}) {
    const json::value* value = body.if_contains(member);
    if (!value || value->is_null()) continue;
    if (!value->is_bool()) return NotParsable(member);
    mapping.*field = value->get_bool();
  }
  return absl::OkStatus();
}

absl::Status ApplyStartingPosition(const json::object& body, bool create,
                                   EventSourceMapping& mapping) {
  const json::value* position = body.if_contains("StartingPosition");
  const bool given = position && !position->is_null();
  if (!create) {
    // The starting position belongs to the mapping's creation; AWS ignores it on update.
    return absl::OkStatus();
  }
  if (!given) {
    return InvalidParameter(
        "1 validation error detected: Value null at 'startingPosition' failed to satisfy "
        "constraint: Member must not be null.");
  }
  if (!position->is_string()) return NotParsable("StartingPosition");
  const std::string text(position->get_string());
  if (text != "TRIM_HORIZON" && text != "LATEST" && text != "AT_TIMESTAMP") {
    return protocol::ValidationFailed(
        text, "startingPosition",
        "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]");
  }
  if (text == "AT_TIMESTAMP") {
    return InvalidParameter("Unsupported starting position for arn type: " +
                            mapping.event_source_arn);
  }
  if (const json::value* timestamp = body.if_contains("StartingPositionTimestamp");
      timestamp && !timestamp->is_null()) {
    return InvalidParameter("Timestamp only valid with StartingPosition AT_TIMESTAMP");
  }
  mapping.starting_position = text;
  return absl::OkStatus();
}

absl::Status ApplyDestination(const json::object& body, EventSourceMapping& mapping) {
  const json::value* config = body.if_contains("DestinationConfig");
  if (!config || config->is_null()) return absl::OkStatus();
  if (!config->is_object()) return NotParsable("DestinationConfig");
  if (const json::value* success = config->get_object().if_contains("OnSuccess");
      success && !success->is_null()) {
    return InvalidParameter(
        "Unsupported DestinationConfig parameter for given event source mapping type.");
  }
  const json::value* failure = config->get_object().if_contains("OnFailure");
  if (!failure || failure->is_null()) return absl::OkStatus();
  if (!failure->is_object()) return NotParsable("OnFailure");
  const json::value* destination = failure->get_object().if_contains("Destination");
  if (!destination || destination->is_null() ||
      (destination->is_string() && destination->get_string().empty())) {
    mapping.on_failure_destination.clear();
    return absl::OkStatus();
  }
  if (!destination->is_string()) return NotParsable("Destination");
  const std::string arn(destination->get_string());
  if (arn.starts_with("arn:aws:sqs:")) {
    return InvalidParameter(fmt::format(
        "The destination {} is an SQS queue, which Serval does not have yet: use an SNS topic "
        "(arn:aws:sns:...) as the on-failure destination",
        arn));
  }
  if (!arn.starts_with("arn:aws:sns:")) {
    return InvalidParameter(fmt::format(
        "The destination {} is not supported: Serval sends discarded stream records to SNS "
        "topics only",
        arn));
  }
  mapping.on_failure_destination = arn;
  return absl::OkStatus();
}

absl::Status ApplyFilterCriteria(const json::object& body, EventSourceMapping& mapping) {
  const json::value* criteria = body.if_contains("FilterCriteria");
  if (!criteria || criteria->is_null()) return absl::OkStatus();
  if (!criteria->is_object()) return NotParsable("FilterCriteria");
  std::vector<std::string> patterns;
  if (const json::value* filters = criteria->get_object().if_contains("Filters");
      filters && !filters->is_null()) {
    if (!filters->is_array()) return NotParsable("Filters");
    for (const json::value& filter : filters->get_array()) {
      const json::value* pattern =
          filter.is_object() ? filter.get_object().if_contains("Pattern") : nullptr;
      if (!pattern || !pattern->is_string() || pattern->get_string().empty() ||
          !events::EventPattern::Parse(pattern->get_string(), events::PatternDialect::kEventBridge)
               .ok()) {
        return InvalidParameter("Invalid filter pattern definition.");
      }
      patterns.emplace_back(pattern->get_string());
    }
  }
  mapping.filter_patterns = std::move(patterns);
  return absl::OkStatus();
}

// Members for other event sources, or stream features Serval does not implement: refused rather
// than silently ignored, so that a client does not believe they apply.
absl::Status RefuseUnsupported(const json::object& body) {
  if (const json::value* factor = body.if_contains("ParallelizationFactor");
      factor && !factor->is_null()) {
    if (!factor->is_int64()) return NotParsable("ParallelizationFactor");
    if (factor->get_int64() < 1 || factor->get_int64() > 10) {
      return protocol::ValidationFailed(std::to_string(factor->get_int64()),
                                        "parallelizationFactor",
                                        "Member must have value between 1 and 10");
    }
    if (factor->get_int64() != 1) {
      return InvalidParameter(
          "Serval reads each shard with one batch in flight: ParallelizationFactor must be 1");
    }
  }
  if (const json::value* window = body.if_contains("TumblingWindowInSeconds");
      window && window->is_int64() && window->get_int64() != 0) {
    return InvalidParameter("Serval does not implement tumbling windows (TumblingWindowInSeconds)");
  }
  if (const json::value* types = body.if_contains("FunctionResponseTypes");
      types && types->is_array() && !types->get_array().empty()) {
    return InvalidParameter(
        "Serval does not implement partial batch responses (FunctionResponseTypes "
        "ReportBatchItemFailures)");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsDynamoDbStreamArn(std::string_view arn) {
  static const std::regex kPattern(
      R"(arn:aws[a-zA-Z-]*:dynamodb:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:table/[a-zA-Z0-9_.-]+/stream/.+)");
  return std::regex_match(arn.begin(), arn.end(), kPattern);
}

absl::Status ApplyMappingFields(const json::object& body, bool create,
                                EventSourceMapping& mapping) {
  EventSourceMapping updated = mapping;
  if (create) {
    const json::value* source = body.if_contains("EventSourceArn");
    if (!source || !source->is_string()) {
      return InvalidParameter("Unrecognized event source.");
    }
    updated.event_source_arn = std::string(source->get_string());
    if (!IsDynamoDbStreamArn(updated.event_source_arn)) {
      return InvalidParameter(
          fmt::format("Serval supports DynamoDB stream event sources only "
                      "(arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL), not {}",
                      updated.event_source_arn));
    }
  }
  for (auto apply : {ApplyIntFields, ApplyBoolFields, ApplyDestination, ApplyFilterCriteria}) {
    if (auto status = apply(body, updated); !status.ok()) return status;
  }
  if (auto status = ApplyStartingPosition(body, create, updated); !status.ok()) return status;
  if (auto status = RefuseUnsupported(body); !status.ok()) return status;
  mapping = std::move(updated);
  return absl::OkStatus();
}

std::string ToStorageJson(const EventSourceMapping& mapping) {
  json::array filters;
  for (const std::string& pattern : mapping.filter_patterns) filters.emplace_back(pattern);
  return json::serialize(
      json::object{{"uuid", mapping.uuid},
                   {"event_source_arn", mapping.event_source_arn},
                   {"function_arn", mapping.function_arn},
                   {"enabled", mapping.enabled},
                   {"batch_size", mapping.batch_size},
                   {"maximum_batching_window_seconds", mapping.maximum_batching_window_seconds},
                   {"starting_position", mapping.starting_position},
                   {"bisect_batch_on_function_error", mapping.bisect_batch_on_function_error},
                   {"maximum_retry_attempts", mapping.maximum_retry_attempts},
                   {"maximum_record_age_seconds", mapping.maximum_record_age_seconds},
                   {"on_failure_destination", mapping.on_failure_destination},
                   {"filter_patterns", std::move(filters)},
                   {"last_modified_millis", mapping.last_modified_millis},
                   {"last_processing_result", mapping.last_processing_result}});
}

absl::StatusOr<EventSourceMapping> MappingFromStorageJson(std::string_view text) {
  auto parsed = ParseStoredObject(text);
  if (!parsed.ok()) return parsed.status();
  const json::object& in = *parsed;
  EventSourceMapping mapping;
  mapping.uuid = StringMember(in, "uuid");
  mapping.event_source_arn = StringMember(in, "event_source_arn");
  mapping.function_arn = StringMember(in, "function_arn");
  if (const json::value* enabled = in.if_contains("enabled"); enabled && enabled->is_bool()) {
    mapping.enabled = enabled->get_bool();
  }
  mapping.batch_size = static_cast<int>(IntMember(in, "batch_size", 100));
  mapping.maximum_batching_window_seconds =
      static_cast<int>(IntMember(in, "maximum_batching_window_seconds", 0));
  mapping.starting_position = StringMember(in, "starting_position");
  if (const json::value* bisect = in.if_contains("bisect_batch_on_function_error");
      bisect && bisect->is_bool()) {
    mapping.bisect_batch_on_function_error = bisect->get_bool();
  }
  mapping.maximum_retry_attempts = static_cast<int>(IntMember(in, "maximum_retry_attempts", -1));
  mapping.maximum_record_age_seconds =
      static_cast<int>(IntMember(in, "maximum_record_age_seconds", -1));
  mapping.on_failure_destination = StringMember(in, "on_failure_destination");
  if (const json::value* filters = in.if_contains("filter_patterns");
      filters && filters->is_array()) {
    for (const json::value& pattern : filters->get_array()) {
      if (pattern.is_string()) mapping.filter_patterns.emplace_back(pattern.get_string());
    }
  }
  mapping.last_modified_millis = IntMember(in, "last_modified_millis", 0);
  mapping.last_processing_result = StringMember(in, "last_processing_result");
  if (mapping.uuid.empty() || mapping.event_source_arn.empty() || mapping.function_arn.empty()) {
    return absl::DataLossError("stored event source mapping lacks its uuid, source or function");
  }
  return mapping;
}

json::object MappingJson(const EventSourceMapping& mapping, std::string_view state,
                         const AccountContext& account) {
  json::object out{
      {"UUID", mapping.uuid},
      {"StartingPosition", mapping.starting_position},
      {"BatchSize", mapping.batch_size},
      {"MaximumBatchingWindowInSeconds", mapping.maximum_batching_window_seconds},
      {"ParallelizationFactor", 1},
      {"EventSourceArn", mapping.event_source_arn},
      {"FunctionArn", mapping.function_arn},
      {"LastModified", static_cast<double>(mapping.last_modified_millis) / 1000.0},
      {"LastProcessingResult", mapping.last_processing_result},
      {"State", state},
      {"StateTransitionReason", "User action"},
      {"DestinationConfig",
       json::object{{"OnFailure", DestinationJson(mapping.on_failure_destination)}}},
      {"MaximumRecordAgeInSeconds", mapping.maximum_record_age_seconds},
      {"BisectBatchOnFunctionError", mapping.bisect_batch_on_function_error},
      {"MaximumRetryAttempts", mapping.maximum_retry_attempts},
      {"TumblingWindowInSeconds", 0},
      {"FunctionResponseTypes", json::array{}},
      {"EventSourceMappingArn", fmt::format("arn:aws:lambda:{}:{}:event-source-mapping:{}",
                                            account.region, account.account_id, mapping.uuid)}};
  if (!mapping.filter_patterns.empty()) {
    json::array filters;
    for (const std::string& pattern : mapping.filter_patterns) {
      filters.push_back(json::object{{"Pattern", pattern}});
    }
    out["FilterCriteria"] = json::object{{"Filters", std::move(filters)}};
  }
  return out;
}

}  // namespace serval::lambda
