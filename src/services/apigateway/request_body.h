#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <iterator>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace serval::apigateway {

// Readers of control-plane requests. Thread-safe (pure functions).

// The JSON object a request's body holds ({} for an empty body); BadRequestException otherwise.
absl::StatusOr<boost::json::object> ParseBody(const http::Request& request);

// One member of an Update* request's "patchOperations" (RFC 6902 as API Gateway uses it).
struct PatchOperation {
  std::string op;     // add, remove, replace, move, copy, test
  std::string path;   // "/name", "/variables/stage", "/*/*/throttling/rateLimit"
  std::string value;  // values are always strings in API Gateway's patches
  std::string from;
};
// The patch operations of an Update* request body; BadRequestException when malformed.
absl::StatusOr<std::vector<PatchOperation>> ParsePatch(const http::Request& request);
// The error API Gateway gives for a patch operation it does not take: for op "replace" it lists
// the paths it does take (`replaceable`, "/name, /description"); for the others it asks for a
// supported operation.
absl::Status UnsupportedPatch(const PatchOperation& operation, std::string_view replaceable);
// A patch path segment with JSON Pointer escapes undone ("~1" is "/", "~0" is "~").
std::string UnescapePointer(std::string_view segment);

// A list page as API Gateway's Get* collections answer: items after `position` (an item's key),
// at most `limit` (?limit=, default 25, at most 500). Gives the wire form {"item": [...],
// "position"?}.
struct PageRequest {
  std::string position;
  size_t limit = 25;
};
absl::StatusOr<PageRequest> ParsePage(const http::Request& request);

// The page `page` asks for of `items` (a map by the key positions name), each item written by
// `to_json`, in the wire form.
template <typename Map, typename ToJson>
boost::json::object ItemsPage(const Map& items, const PageRequest& page, ToJson to_json) {
  boost::json::array listed;
  boost::json::object answer;
  for (auto it = items.upper_bound(page.position); it != items.end(); ++it) {
    if (listed.size() == page.limit) {
      answer["position"] = std::prev(it)->first;
      break;
    }
    listed.push_back(to_json(it->second));
  }
  answer["item"] = std::move(listed);
  return answer;
}

}  // namespace serval::apigateway
