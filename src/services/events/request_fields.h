#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/events/rule_store.h"
#include "services/events/target_input.h"

namespace serval::events {

// Reading EventBridge request members and the errors EventBridge answers with, shared by the
// operations of EventsService. Thread-safe (pure functions).

absl::Status Validation(std::string_view message);  // ValidationException
absl::Status NotFound(std::string_view message);    // ResourceNotFoundException

// A name of [.-_A-Za-z0-9]{1,64}, else the ValidationException naming `field`.
absl::Status CheckName(std::string_view value, std::string_view field);

// An optional string member ("" when absent or null); a member of another type is a
// SerializationException.
absl::StatusOr<std::string> OptionalString(const boost::json::object& body, const char* key);
// The same, refusing an absent or empty member.
absl::StatusOr<std::string> RequiredString(const boost::json::object& body, const char* key);

// A List* request's NamePrefix, NextToken and Limit (1-100, default 100).
struct ListRequest {
  std::string prefix;
  std::string token;
  int limit = 100;
};
absl::StatusOr<ListRequest> ReadListRequest(const boost::json::object& body);

// The Tags of a request ([{Key, Value}], optional) by key, and the list form of a tag map.
absl::StatusOr<std::map<std::string, std::string>> ReadTags(const boost::json::object& body);
boost::json::array TagList(const std::map<std::string, std::string>& tags);

// How `target`'s input is shaped (target_input.h).
TargetInputSpec InputSpecOf(const Target& target);

}  // namespace serval::events
