#include "services/lambda/stream_failure_record.h"

#include <boost/json.hpp>

#include "common/time_format.h"

namespace serval::lambda {

namespace json = boost::json;

std::string StreamFailureRecord(const StreamBatchFailure& failure,
                                const std::vector<services::StreamRecord>& batch) {
  json::object out{{"requestContext",
                    json::object{{"requestId", failure.request_id},
                                 {"functionArn", failure.function_arn},
                                 {"condition", failure.condition},
                                 {"approximateInvokeCount", failure.approximate_invoke_count}}}};
  if (failure.response) {
    json::object response{{"statusCode", failure.response->status_code},
                          {"executedVersion", failure.response->executed_version}};
    if (!failure.response->function_error.empty()) {
      response["functionError"] = failure.response->function_error;
    }
    out["responseContext"] = std::move(response);
  }
  out["version"] = "1.0";
  out["timestamp"] = FormatIso8601Millis(failure.now_millis);
  out["DDBStreamBatchInfo"] = json::object{
      {"shardId", failure.shard_id},
      {"startSequenceNumber", batch.front().sequence_number},
      {"endSequenceNumber", batch.back().sequence_number},
      {"approximateArrivalOfFirstRecord",
       FormatIso8601Seconds(batch.front().created_millis / 1000)},
      {"approximateArrivalOfLastRecord", FormatIso8601Seconds(batch.back().created_millis / 1000)},
      {"batchSize", batch.size()},
      {"streamArn", failure.stream_arn}};
  return json::serialize(out);
}

}  // namespace serval::lambda
