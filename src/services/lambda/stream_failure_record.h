#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/stream_source.h"

namespace serval::lambda {

// Why a batch of stream records was given up on (requestContext.condition).
inline constexpr char kRetryAttemptsExhausted[] = "RetryAttemptsExhausted";
inline constexpr char kRecordAgeExceeded[] = "RecordAgeExceeded";

// The last invocation's answer, as responseContext reports it.
struct StreamInvokeResponse {
  int status_code = 200;
  std::string executed_version;
  std::string function_error;  // "Unhandled", or empty
};

// What a discarded batch was and why, for the on-failure destination.
struct StreamBatchFailure {
  std::string request_id;
  std::string function_arn;
  std::string condition;  // kRetryAttemptsExhausted or kRecordAgeExceeded
  int approximate_invoke_count = 0;
  std::optional<StreamInvokeResponse> response;  // none when the batch was never invoked
  int64_t now_millis = 0;
  std::string shard_id;
  std::string stream_arn;
};

// The invocation record Lambda sends to an event source mapping's on-failure destination for a
// DynamoDB stream batch: requestContext, responseContext, version "1.0", timestamp and
// DDBStreamBatchInfo (the shard, the first and last sequence numbers and arrival times, the batch
// size, the stream). The shape is the one AWS documents in "Retain discarded records for a
// DynamoDB event source in Lambda" (docs.aws.amazon.com/lambda/latest/dg/
// services-dynamodb-errors.html) and LocalStack recorded against AWS
// (test_lambda_integration_dynamodbstreams.snapshot.json): `timestamp` with milliseconds, the
// arrival times to the second. The records themselves are not included. `batch` is not empty.
// Thread-safe (pure).
std::string StreamFailureRecord(const StreamBatchFailure& failure,
                                const std::vector<services::StreamRecord>& batch);

}  // namespace serval::lambda
