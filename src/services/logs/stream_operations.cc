// Log streams: create, delete, describe.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "common/crypto.h"
#include "protocol/validation.h"
#include "services/logs/event_ids.h"
#include "services/logs/logs_service.h"
#include "services/logs/request_fields.h"
#include "storage/log_store.h"
#include "storage/offload.h"

namespace serval::logs {
namespace json = boost::json;
namespace {

// A stream's place in a DescribeLogStreams listing: by name, or by last event time then name.
std::string SortKey(const storage::LogStreamInfo& stream, bool by_time) {
  if (!by_time) return stream.name;
  return fmt::format("{:020}/{}", stream.last_event_millis.value_or(0), stream.name);
}

}  // namespace

void LogsService::CreateLogStream(const Input& input, Done done) {
  auto name = ReadStreamName(input);
  if (!name.ok()) return done(name.status());
  storage::Offload(
      writer_, platform_.post_to_io,
      [logs = platform_.logs, name = *name, now = platform_.clock->NowMillis()] {
        return logs->CreateStream(name.group, name.stream, now);
      },
      AnswerEmpty(std::move(done)));
}

void LogsService::DeleteLogStream(const Input& input, Done done) {
  auto name = ReadStreamName(input);
  if (!name.ok()) return done(name.status());
  storage::Offload(
      writer_, platform_.post_to_io,
      [logs = platform_.logs, name = *name] { return logs->DeleteStream(name.group, name.stream); },
      AnswerEmpty(std::move(done)));
}

absl::StatusOr<json::object> LogsService::DescribeLogStreams(const Input& input) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return group.status();
  auto prefix = OptionalString(input, "logStreamNamePrefix");
  if (!prefix.ok()) return prefix.status();
  auto order = OptionalString(input, "orderBy");
  if (!order.ok()) return order.status();
  const std::string order_by = order->value_or("LogStreamName");
  if (order_by != "LogStreamName" && order_by != "LastEventTime") {
    return protocol::ValidationErrors()
        .Add(order_by, "orderBy",
             "Member must satisfy enum value set: [LogStreamName, LastEventTime]")
        .ToStatus("InvalidParameterException");
  }
  const bool by_time = order_by == "LastEventTime";
  if (by_time && prefix->has_value()) {
    return InvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  auto descending = OptionalBool(input, "descending", false);
  if (!descending.ok()) return descending.status();
  auto limit = ReadLimit(input, 50, 50);
  if (!limit.ok()) return limit.status();
  auto token = OptionalString(input, "nextToken");
  if (!token.ok()) return token.status();
  std::optional<std::string> after;
  if (token->has_value()) {
    auto decoded = Base64Decode(**token);
    if (!decoded.ok() || decoded->empty()) {
      return InvalidParameter("The specified nextToken is invalid.");
    }
    after = *std::move(decoded);
  }
  auto streams = platform_.logs->ListStreams(*group);
  if (!streams.ok()) return GroupNotFound();
  std::vector<std::pair<std::string, const storage::LogStreamInfo*>> listed;
  for (const storage::LogStreamInfo& stream : *streams) {
    if (prefix->has_value() && !stream.name.starts_with(**prefix)) continue;
    listed.emplace_back(SortKey(stream, by_time), &stream);
  }
  std::sort(listed.begin(), listed.end(), [descending = *descending](const auto& a, const auto& b) {
    return descending ? a.first > b.first : a.first < b.first;
  });
  json::array out;
  std::string last;
  bool more = false;
  for (const auto& [key, stream] : listed) {
    if (after && (*descending ? key >= *after : key <= *after)) continue;
    if (out.size() == static_cast<size_t>(*limit)) {
      more = true;
      break;
    }
    json::object item{
        {"logStreamName", stream->name},
        {"creationTime", stream->creation_millis},
        {"arn", GroupArn(platform_.account, *group, false) + ":log-stream:" + stream->name},
        {"storedBytes", 0}};
    if (stream->first_event_millis) {
      item["firstEventTimestamp"] = *stream->first_event_millis;
      item["lastEventTimestamp"] = *stream->last_event_millis;
      item["lastIngestionTime"] = *stream->last_ingestion_millis;
      item["uploadSequenceToken"] = SequenceToken(stream->id, stream->end_offset);
    }
    out.push_back(std::move(item));
    last = key;
  }
  json::object answer{{"logStreams", std::move(out)}};
  if (more) answer["nextToken"] = Base64Encode(last);
  return answer;
}

}  // namespace serval::logs
