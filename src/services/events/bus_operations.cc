// Event buses of EventsService: Create, Describe, List and DeleteEventBus. The default bus
// always exists and is not stored; custom buses are written through to the rule store.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "protocol/validation.h"
#include "services/events/events_service.h"
#include "services/events/request_fields.h"

namespace serval::events {
namespace {

namespace json = boost::json;

constexpr size_t kMaxBusName = 256;

// A custom bus's name: [.-_A-Za-z0-9]{1,256} ('/' is for partner buses, which Serval has not).
absl::Status CheckBusName(std::string_view name) {
  const bool valid =
      !name.empty() && name.size() <= kMaxBusName &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
      });
  if (valid) return absl::OkStatus();
  return protocol::ValidationFailed(
      name, "name",
      "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length "
      "between 1 and 256");
}

}  // namespace

absl::StatusOr<json::object> EventsService::CreateEventBus(const json::object& body) {
  auto name = RequiredString(body, "Name");
  if (!name.ok()) return name.status();
  if (auto status = CheckBusName(*name); !status.ok()) return status;
  auto description = OptionalString(body, "Description");
  if (!description.ok()) return description.status();
  if (description->size() > 512) {
    return protocol::ValidationFailed(*description, "description",
                                      "Member must have length less than or equal to 512");
  }
  if (const json::value* source = body.if_contains("EventSourceName");
      source && !source->is_null()) {
    return NotFound(fmt::format("Event source {} does not exist.", json::serialize(*source)));
  }
  auto tags = ReadTags(body);
  if (!tags.ok()) return tags.status();
  if (rules_->HasBus(*name)) {
    return AwsError(absl::StatusCode::kAlreadyExists, "ResourceAlreadyExistsException",
                    fmt::format("Event bus {} already exists.", *name));
  }
  EventBus bus{.name = *name,
               .description = *description,
               .created_millis = deps_.clock->NowMillis(),
               .tags = *std::move(tags)};
  rules_->PutBus(std::move(bus));
  json::object out{{"EventBusArn", BusArn(*name)}};
  if (!description->empty()) out["Description"] = *description;
  return out;
}

namespace {

json::object BusJson(std::string_view name, std::string_view arn, const EventBus* bus) {
  json::object out{{"Name", name}, {"Arn", arn}};
  if (bus) {
    if (!bus->description.empty()) out["Description"] = bus->description;
    if (bus->created_millis > 0) {  // the default bus's record keeps only its tags
      out["CreationTime"] = static_cast<double>(bus->created_millis) / 1000.0;
      out["LastModifiedTime"] = static_cast<double>(bus->created_millis) / 1000.0;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<json::object> EventsService::DescribeEventBus(const json::object& body) {
  auto name = ExistingBus(body, "Name");
  if (!name.ok()) return name.status();
  auto found = rules_->buses().find(*name);
  return BusJson(*name, BusArn(*name), found == rules_->buses().end() ? nullptr : &found->second);
}

absl::StatusOr<json::object> EventsService::ListEventBuses(const json::object& body) {
  auto page = ReadListRequest(body);
  if (!page.ok()) return page.status();
  // Names in order, the default bus among them; the token is the last name of the page.
  std::vector<std::string> names{std::string(kDefaultBus)};
  for (const auto& [name, bus] : rules_->buses()) {
    if (name != kDefaultBus) names.push_back(name);  // stored only to keep its tags
  }
  std::sort(names.begin(), names.end());
  json::array listed;
  std::string last;
  bool more = false;
  for (const std::string& name : names) {
    if (!name.starts_with(page->prefix) || (!page->token.empty() && name <= page->token)) {
      continue;
    }
    if (static_cast<int>(listed.size()) == page->limit) {
      more = true;
      break;
    }
    auto found = rules_->buses().find(name);
    listed.push_back(
        BusJson(name, BusArn(name), found == rules_->buses().end() ? nullptr : &found->second));
    last = name;
  }
  json::object out{{"EventBuses", std::move(listed)}};
  if (more) out["NextToken"] = last;
  return out;
}

absl::StatusOr<json::object> EventsService::DeleteEventBus(const json::object& body) {
  auto name = RequiredString(body, "Name");
  if (!name.ok()) return name.status();
  if (*name == kDefaultBus) return Validation("Cannot delete event bus default.");
  auto bus = ExistingBus(body, "Name");
  if (!bus.ok()) return bus.status();
  rules_->RemoveBus(*bus);
  return json::object{};
}

}  // namespace serval::events
