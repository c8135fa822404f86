#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/arn.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::lambda {

// What LastProcessingResult says (AWS's words).
inline constexpr char kNoRecordsProcessed[] = "No records processed";
inline constexpr char kProcessingOk[] = "OK";
inline constexpr char kFunctionCallFailed[] = "PROBLEM: Function call failed";

// An event source mapping (CreateEventSourceMapping): a DynamoDB stream whose records Lambda
// reads and hands to a function in batches. Thread-compatible value type.
struct EventSourceMapping {
  std::string uuid;
  std::string event_source_arn;  // arn:aws:dynamodb:REGION:ACCOUNT:table/T/stream/LABEL
  // The function's ARN, qualified when the request named a version or alias: what is invoked.
  std::string function_arn;
  bool enabled = true;
  int batch_size = 100;                     // 1..10000
  int maximum_batching_window_seconds = 0;  // 0..300
  std::string starting_position;            // TRIM_HORIZON or LATEST
  bool bisect_batch_on_function_error = false;
  int maximum_retry_attempts = -1;           // -1 (until the records expire) or 0..10000
  int maximum_record_age_seconds = -1;       // -1 (no limit) or 60..604800
  std::string on_failure_destination;        // an SNS topic ARN, or empty
  std::vector<std::string> filter_patterns;  // FilterCriteria.Filters[].Pattern (JSON text)
  int64_t last_modified_millis = 0;
  std::string last_processing_result = kNoRecordsProcessed;
};

// The record stored in "lambda.event_source_mappings" (docs/formats.md).
std::string ToStorageJson(const EventSourceMapping& mapping);
absl::StatusOr<EventSourceMapping> MappingFromStorageJson(std::string_view text);

// The mapping as the API answers with it (EventSourceMappingConfiguration), in `state`
// ("Creating", "Enabled", "Disabling", ...).
boost::json::object MappingJson(const EventSourceMapping& mapping, std::string_view state,
                                const AccountContext& account);

// Whether `arn` has the shape of a DynamoDB stream ARN.
bool IsDynamoDbStreamArn(std::string_view arn);

// Applies the members of a CreateEventSourceMapping (`create`) or UpdateEventSourceMapping body
// to `mapping`, with Lambda's validation and messages; FunctionName is the caller's (it needs the
// functions), and so is whether the stream exists. Members Serval does not implement for streams
// (ParallelizationFactor above 1, tumbling windows, partial batch responses, SQS destinations)
// are refused with InvalidParameterValueException saying so. On error `mapping` is unchanged.
absl::Status ApplyMappingFields(const boost::json::object& body, bool create,
                                EventSourceMapping& mapping);

}  // namespace serval::lambda
