// Events of EventsService: PutEvents, TestEventPattern, and events other front ends publish
// (services::EventPublisher). An event is matched against the enabled rules of its bus and
// handed to each matched rule's targets through the invoker.
//
// Durability: PutEvents answers only once every matched target's event is in the invoker's
// durable queue (or its delivery settled otherwise), so an event acknowledged with an EventId
// survives kill -9. An entry whose event could not be queued for some target (a queue limit, a
// disk error) is answered as failed (ErrorCode InternalFailure), though the targets that did
// queue it keep it: EventBridge's own retries have no counterpart here, and a caller that
// retries a failed entry may deliver it twice, as with EventBridge. A target whose function does
// not exist is not a failure of the entry: AWS accepts the event and counts a failed invocation;
// the invoker records it as undeliverable.

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>

#include "common/aws_error.h"
#include "common/ids.h"
#include "invoker/invoker.h"
#include "protocol/validation.h"
#include "services/events/event_pattern.h"
#include "services/events/events_service.h"
#include "services/events/request_fields.h"
#include "services/events/target_input.h"

namespace serval::events {
namespace {

namespace json = boost::json;

constexpr size_t kMaxEntries = 10;
constexpr size_t kMaxRequestBytes = 256 * 1024;
constexpr size_t kTimeBytes = 14;  // what AWS counts for an entry's Time

// AWS's size of one entry: its Source, DetailType, Detail and Resources in UTF-8, 14 for a Time.
size_t EntrySize(const json::object& entry) {
  size_t size = 0;
  for (const char* member : {"Source", "DetailType", "Detail"}) {
    if (const json::value* value = entry.if_contains(member); value && value->is_string()) {
      size += value->get_string().size();
    }
  }
  if (const json::value* resources = entry.if_contains("Resources");
      resources && resources->is_array()) {
    for (const json::value& resource : resources->get_array()) {
      if (resource.is_string()) size += resource.get_string().size();
    }
  }
  if (entry.contains("Time")) size += kTimeBytes;
  return size;
}

json::object EntryError(std::string_view code, std::string_view message) {
  return json::object{{"ErrorCode", code}, {"ErrorMessage", message}};
}

// The per-entry problems AWS reports in Entries rather than refusing the request.
std::optional<json::object> EntryProblem(const json::object& entry, json::value& detail) {
  for (const char* member : {"Source", "DetailType", "Detail"}) {
    const json::value* value = entry.if_contains(member);
    if (!value || !value->is_string() || value->get_string().empty()) {
      return EntryError(
          "InvalidArgument",
          fmt::format("Parameter {0} is not valid. Reason: {0} is a required argument.", member));
    }
  }
  boost::system::error_code error;
  detail = json::parse(entry.at("Detail").get_string(), error);
  if (error || !detail.is_object()) return EntryError("MalformedDetail", "Detail is malformed.");
  return std::nullopt;
}

// Counts the deliveries of one event; tells `settled` once all have settled.
struct Settlement {
  size_t pending = 1;  // one for the dispatch loop itself
  absl::Status first_error;
  std::function<void(const absl::Status&)> settled;

  void Settle(const absl::Status& status) {
    if (!status.ok() && status.code() != absl::StatusCode::kNotFound && first_error.ok()) {
      first_error = status;
    }
    if (--pending == 0) settled(first_error);
  }
};

}  // namespace

EventsService::BusEvent EventsService::Envelope(
    std::string bus, const services::EventPublisher::Event& fields) const {
  BusEvent event{.bus = std::move(bus),
                 .id = NewUuid(),
                 .time_millis = fields.time_millis ? fields.time_millis : deps_.clock->NowMillis()};
  json::array resources;
  for (const std::string& resource : fields.resources) resources.push_back(json::value(resource));
  boost::system::error_code error;
  json::value detail = json::parse(fields.detail, error);
  if (error || !detail.is_object()) detail = json::object();
  // AWS's key order.
  event.value = json::object{{"version", "0"},
                             {"id", event.id},
                             {"detail-type", fields.detail_type},
                             {"source", fields.source},
                             {"account", deps_.account.account_id},
                             {"time", FormatEventTime(event.time_millis)},
                             {"region", deps_.account.region},
                             {"resources", std::move(resources)},
                             {"detail", std::move(detail)}};
  event.json = json::serialize(event.value);
  return event;
}

void EventsService::Dispatch(const BusEvent& event,
                             std::function<void(const absl::Status&)> settled) {
  auto settlement = std::make_shared<Settlement>();
  settlement->settled = std::move(settled);
  // Each delivery is counted before it is handed on: one may settle at once.
  const DeliveryTracker track = [settlement] {
    ++settlement->pending;
    return [settlement](const absl::Status& status) { settlement->Settle(status); };
  };
  for (const auto& [key, rule] : rules_->rules()) {
    if (key.first != event.bus || !rule.enabled || rule.event_pattern.empty()) continue;
    const EventPattern* pattern = CompiledPattern(rule);
    if (!pattern || !pattern->Matches(event.value)) continue;
    DeliverToTargets(rule, event.json, deps_.clock->NowMillis(),
                     fmt::format("events:rule/{}", rule.name), track);
  }
  settlement->Settle(absl::OkStatus());
}

const EventPattern* EventsService::CompiledPattern(const Rule& rule) {
  auto& [text, compiled] = compiled_patterns_[RuleKey(rule.bus, rule.name)];
  if (!compiled || text != rule.event_pattern) {
    auto parsed = EventPattern::Parse(rule.event_pattern, PatternDialect::kEventBridge);
    // Stored patterns were validated by PutRule; one that no longer parses matches nothing.
    compiled = parsed.ok() ? std::make_shared<EventPattern>(*std::move(parsed)) : nullptr;
    text = rule.event_pattern;
  }
  return compiled.get();
}

void EventsService::PutEvents(const json::object& body, protocol::JsonOperationDone done) {
  const json::value* entries = body.if_contains("Entries");
  if (!entries || entries->is_null()) return done(protocol::MissingMember("entries"));
  if (!entries->is_array()) {
    return done(AwsError(absl::StatusCode::kInvalidArgument, "SerializationException",
                         "Start of structure or map found where not expected (Entries)"));
  }
  const json::array& list = entries->get_array();
  if (list.empty()) {
    return done(protocol::ValidationFailed("[]", "entries",
                                           "Member must have length greater than or equal to 1"));
  }
  if (list.size() > kMaxEntries) {
    return done(protocol::ValidationFailed(json::serialize(list), "entries",
                                           "Member must have length less than or equal to 10"));
  }
  size_t total = 0;
  std::vector<std::string> buses;
  for (const json::value& item : list) {
    if (!item.is_object()) {
      return done(AwsError(absl::StatusCode::kInvalidArgument, "SerializationException",
                           "Unexpected list element"));
    }
    total += EntrySize(item.get_object());
    // A bus that does not exist refuses the whole request (recorded).
    auto bus = ExistingBus(item.get_object());
    if (!bus.ok()) return done(bus.status());
    buses.push_back(*std::move(bus));
  }
  if (total > kMaxRequestBytes) {
    return done(Validation("Total size of the entries in the request is over the limit."));
  }
  struct Answer {
    json::array entries;
    size_t pending = 1;
    protocol::JsonOperationDone done;
    void Finish() {
      if (--pending != 0) return;
      size_t failed = 0;
      for (const json::value& entry : entries) failed += entry.get_object().contains("ErrorCode");
      done(json::object{{"FailedEntryCount", failed}, {"Entries", std::move(entries)}});
    }
  };
  auto answer = std::make_shared<Answer>();
  answer->done = std::move(done);
  answer->entries.resize(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const json::object& entry = list[i].get_object();
    json::value detail;
    if (auto problem = EntryProblem(entry, detail)) {
      answer->entries[i] = *std::move(problem);
      continue;
    }
    services::EventPublisher::Event fields{
        .source = std::string(entry.at("Source").get_string()),
        .detail_type = std::string(entry.at("DetailType").get_string()),
        .detail = std::string(entry.at("Detail").get_string())};
    if (const json::value* time = entry.if_contains("Time"); time && time->is_number()) {
      fields.time_millis = static_cast<int64_t>(std::floor(time->to_number<double>() * 1000));
    }
    if (const json::value* resources = entry.if_contains("Resources");
        resources && resources->is_array()) {
      for (const json::value& resource : resources->get_array()) {
        if (resource.is_string()) fields.resources.emplace_back(resource.get_string());
      }
    }
    BusEvent event = Envelope(buses[i], fields);
    answer->entries[i] = json::object{{"EventId", event.id}};
    ++answer->pending;
    Dispatch(event, [answer, i](const absl::Status& status) {
      if (!status.ok()) {
        answer->entries[i] = EntryError("InternalFailure", std::string(status.message()));
      }
      answer->Finish();
    });
  }
  answer->Finish();
}

absl::StatusOr<json::object> EventsService::TestEventPattern(const json::object& body) {
  auto text = RequiredString(body, "EventPattern");
  if (!text.ok()) return text.status();
  auto event_text = RequiredString(body, "Event");
  if (!event_text.ok()) return event_text.status();
  auto pattern = EventPattern::Parse(*text, PatternDialect::kEventBridge);
  if (!pattern.ok()) return pattern.status();
  boost::system::error_code error;
  const json::value event = json::parse(*event_text, error);
  // Recorded: a plain string is "Parameter Event is not valid."
  if (error || !event.is_object()) return Validation("Parameter Event is not valid.");
  return json::object{{"Result", pattern->Matches(event)}};
}

void EventsService::PublishEvent(Event event, std::function<void(const absl::Status&)> settled) {
  Dispatch(Envelope(std::string(kDefaultBus), event), std::move(settled));
}

}  // namespace serval::events
