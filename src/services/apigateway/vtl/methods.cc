#include "services/apigateway/vtl/methods.h"

#include <string>

#include "common/text.h"

namespace serval::apigateway::vtl {

namespace json = boost::json;

namespace {

std::span<const MethodEntry> TableFor(const json::value& self) {
  switch (self.kind()) {
    case json::kind::string:
      return StringMethods();
    case json::kind::array:
      return ListMethods();
    case json::kind::object:
      return MapMethods();
    case json::kind::null:
      return {};
    default:
      return ScalarMethods();
  }
}

// JavaBean getters on a map read its keys: `$m.getName()` and `$m.isReady()` are
// `$m.get("name")` and `$m.get("ready")` (also the capitalised key), as velocityjs does.
json::value MapGetter(const json::object& map, std::string_view name) {
  for (std::string_view prefix : {"get", "is"}) {
    if (name.size() <= prefix.size() || !name.starts_with(prefix)) continue;
    std::string key(name.substr(prefix.size()));
    if (const json::value* found = map.if_contains(key)) return *found;
    key[0] = AsciiLower(key[0]);
    if (const json::value* found = map.if_contains(key)) return *found;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<json::value> CallMethod(json::value& self, std::string_view name,
                                       std::span<const json::value> args,
                                       const MethodContext& context) {
  for (const MethodEntry& entry : TableFor(self)) {
    if (entry.name == name && args.size() >= entry.min_args && args.size() <= entry.max_args) {
      return entry.call(self, args, context);
    }
  }
  if (self.is_object() && args.empty()) return MapGetter(self.get_object(), name);
  return nullptr;
}

}  // namespace serval::apigateway::vtl
