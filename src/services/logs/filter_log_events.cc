// FilterLogEvents: reading the request and answering with a page of event_search.h.
#include <boost/json.hpp>

#include "protocol/validation.h"
#include "services/logs/event_ids.h"
#include "services/logs/event_search.h"
#include "services/logs/logs_service.h"
#include "services/logs/request_fields.h"
#include "storage/offload.h"

namespace serval::logs {
namespace json = boost::json;
namespace {

constexpr size_t kMaxPatternLength = 1024;
constexpr size_t kMaxStreamNames = 100;

absl::StatusOr<std::vector<std::string>> ReadStreamNames(const json::object& input) {
  std::vector<std::string> names;
  const json::value* list = input.if_contains("logStreamNames");
  if (list == nullptr || list->is_null()) return names;
  if (!list->is_array()) return protocol::WrongMemberType("logStreamNames");
  if (list->get_array().empty() || list->get_array().size() > kMaxStreamNames) {
    return protocol::ValidationErrors()
        .Add("[...]", "logStreamNames",
             list->get_array().empty() ? "Member must have length greater than or equal to 1"
                                       : "Member must have length less than or equal to 100")
        .ToStatus("InvalidParameterException");
  }
  for (const json::value& name : list->get_array()) {
    if (!name.is_string()) return protocol::WrongMemberType("logStreamNames");
    if (auto status = CheckStreamName(name.get_string(), "logStreamNames"); !status.ok()) {
      return status;
    }
    names.emplace_back(name.get_string());
  }
  return names;
}

}  // namespace

void LogsService::FilterLogEvents(const Input& input, Done done) {
  auto group = ReadGroupName(input);
  if (!group.ok()) return done(group.status());
  auto names = ReadStreamNames(input);
  if (!names.ok()) return done(names.status());
  auto prefix = OptionalString(input, "logStreamNamePrefix");
  if (!prefix.ok()) return done(prefix.status());
  if (!names->empty() && prefix->has_value()) {
    return done(InvalidParameter(
        "logStreamNames and logStreamNamePrefix are mutually exclusive parameters."));
  }
  auto start = OptionalInteger(input, "startTime");
  if (!start.ok()) return done(start.status());
  auto end = OptionalInteger(input, "endTime");
  if (!end.ok()) return done(end.status());
  auto limit = ReadLimit(input, 10000, 10000);
  if (!limit.ok()) return done(limit.status());
  auto token = OptionalString(input, "nextToken");
  if (!token.ok()) return done(token.status());
  if (auto interleaved = OptionalBool(input, "interleaved", true); !interleaved.ok()) {
    return done(interleaved.status());  // otherwise ignored: always interleaved, as AWS does
  }
  auto pattern_text = OptionalString(input, "filterPattern");
  if (!pattern_text.ok()) return done(pattern_text.status());
  if (pattern_text->value_or("").size() > kMaxPatternLength) {
    return done(protocol::ValidationErrors()
                    .Add(**pattern_text, "filterPattern",
                         "Member must have length less than or equal to 1024")
                    .ToStatus("InvalidParameterException"));
  }
  auto pattern = FilterPattern::Parse(pattern_text->value_or(""));
  if (!pattern.ok()) return done(InvalidParameter(std::string(pattern.status().message())));

  auto compiled = std::make_shared<const FilterPattern>(*std::move(pattern));
  EventSearch search{.group = *group,
                     .stream_names = *std::move(names),
                     .stream_prefix = *std::move(prefix),
                     .start_millis = std::max(start->value_or(INT64_MIN), RetentionCutoff(*group)),
                     .end_millis = end->value_or(INT64_MAX),
                     .pattern = compiled.get(),
                     .limit = static_cast<size_t>(*limit),
                     .next_token = *std::move(token)};
  storage::Offload(
      reader_, platform_.post_to_io,
      [logs = platform_.logs, search = std::move(search), compiled] {
        return SearchEvents(*logs, search);
      },
      [done](absl::StatusOr<EventSearchPage> page) {
        if (!page.ok()) return done(FromStore(page.status()));
        json::array events;
        events.reserve(page->events.size());
        for (const FoundEvent& found : page->events) {
          events.push_back(json::object{{"logStreamName", page->streams[found.stream]},
                                        {"timestamp", found.event.timestamp_millis},
                                        {"message", found.event.message},
                                        {"ingestionTime", found.event.ingestion_millis},
                                        {"eventId", EventId(found.stream_id, found.event.offset,
                                                            found.event.timestamp_millis)}});
        }
        json::array searched;
        for (const std::string& stream : page->streams) {
          searched.push_back(json::object{{"logStreamName", stream},
                                          {"searchedCompletely", !page->next_token.has_value()}});
        }
        json::object out{{"events", std::move(events)},
                         {"searchedLogStreams", std::move(searched)}};
        if (page->next_token) out["nextToken"] = *page->next_token;
        done(std::move(out));
      });
}

}  // namespace serval::logs
