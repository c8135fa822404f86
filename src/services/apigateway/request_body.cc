#include "services/apigateway/request_body.h"

#include <boost/json.hpp>
#include <charconv>

#include "services/apigateway/apigateway_errors.h"

namespace serval::apigateway {

namespace json = boost::json;

absl::StatusOr<json::object> ParseBody(const http::Request& request) {
  if (request.body.empty()) return json::object();
  json::error_code ec;
  json::value parsed = json::parse(request.body, ec);
  if (ec || !parsed.is_object()) return BadRequest("Invalid request body: not a JSON object.");
  return std::move(parsed.get_object());
}

absl::StatusOr<std::vector<PatchOperation>> ParsePatch(const http::Request& request) {
  absl::StatusOr<json::object> body = ParseBody(request);
  if (!body.ok()) return body.status();
  std::vector<PatchOperation> operations;
  const json::value* list = body->if_contains("patchOperations");
  if (list == nullptr || list->is_null()) return operations;
  if (!list->is_array()) return BadRequest("Invalid patch: patchOperations must be a list.");
  for (const json::value& item : list->get_array()) {
    if (!item.is_object()) return BadRequest("Invalid patch operation: not an object.");
    PatchOperation operation;
    for (auto [key, field] :
         {std::pair{"op", &operation.op}, std::pair{"path", &operation.path},
          std::pair{"value", &operation.value}, std::pair{"from", &operation.from}}) {
      const json::value* member = item.get_object().if_contains(key);
      if (member == nullptr || member->is_null()) continue;
      if (!member->is_string()) {
        return BadRequest(std::string("Invalid patch operation: '") + key + "' must be a string.");
      }
      *field = member->get_string();
    }
    static constexpr std::string_view kOps[] = {"add", "remove", "replace", "move", "copy", "test"};
    if (std::find(std::begin(kOps), std::end(kOps), operation.op) == std::end(kOps)) {
      return BadRequest(
          "Invalid patch operation specified. Must be one of: [add, remove, move, "
          "test, replace, copy]");
    }
    if (!operation.path.starts_with('/')) {
      return BadRequest("Invalid patch path '" + operation.path + "'");
    }
    operations.push_back(std::move(operation));
  }
  return operations;
}

absl::Status UnsupportedPatch(const PatchOperation& operation, std::string_view replaceable) {
  const std::string start =
      "Invalid patch path  '" + operation.path + "' specified for op '" + operation.op + "'. ";
  if (operation.op == "replace") {
    return BadRequest(start + "Must be one of: [" + std::string(replaceable) + "]");
  }
  return BadRequest(start + "Please choose supported operations");
}

std::string UnescapePointer(std::string_view segment) {
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '~' && i + 1 < segment.size() &&
        (segment[i + 1] == '1' || segment[i + 1] == '0')) {
      out += segment[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += segment[i];
    }
  }
  return out;
}

absl::StatusOr<PageRequest> ParsePage(const http::Request& request) {
  PageRequest page;
  page.position = request.QueryParam("position").value_or("");
  if (std::optional<std::string> limit = request.QueryParam("limit")) {
    int value = 0;
    auto [end, error] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (error != std::errc() || end != limit->data() + limit->size() || value < 1 || value > 500) {
      return BadRequest("Invalid limit: must be between 1 and 500.");
    }
    page.limit = static_cast<size_t>(value);
  }
  return page;
}

}  // namespace serval::apigateway
