// java.util.List and java.util.Map methods (maps keep insertion order, as LinkedHashMap), and
// the few that numbers and booleans answer.

#include <cmath>
#include <string>

#include "fmt/format.h"
#include "services/apigateway/vtl/methods.h"

namespace serval::apigateway::vtl {

namespace json = boost::json;

namespace {

using Args = std::span<const json::value>;

// A list index that Java would accept for a list of `size` (`size` itself when `inclusive`).
std::optional<size_t> ListIndex(const json::value& arg, size_t size, bool inclusive) {
  std::optional<int64_t> index = AsInteger(arg);
  if (!index || *index < 0) return std::nullopt;
  size_t i = static_cast<size_t>(*index);
  if (i > size || (i == size && !inclusive)) return std::nullopt;
  return i;
}

absl::Status OutOfRange(std::string_view method) {
  return absl::InvalidArgumentError(fmt::format("List.{}: index out of range", method));
}

// The map key a Java argument names: strings as they are, other values by their text.
std::string KeyOf(const json::value& arg) { return ToText(arg, ListStyle::kJava); }

absl::StatusOr<json::value> Size(json::value& self, Args, const MethodContext&) {
  return static_cast<int64_t>(self.is_array() ? self.get_array().size() : self.get_object().size());
}

absl::StatusOr<json::value> IsEmpty(json::value& self, Args, const MethodContext&) {
  return self.is_array() ? self.get_array().empty() : self.get_object().empty();
}

absl::StatusOr<json::value> ToString(json::value& self, Args, const MethodContext& context) {
  return json::string(ToText(self, context.lists));
}

// ---- List

absl::StatusOr<json::value> ListGet(json::value& self, Args args, const MethodContext&) {
  json::array& list = self.get_array();
  std::optional<size_t> i = ListIndex(args[0], list.size(), false);
  if (!i) return OutOfRange("get");
  return list[*i];
}

int64_t IndexOfValue(const json::array& list, const json::value& value) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == value) return static_cast<int64_t>(i);
  }
  return -1;
}

absl::StatusOr<json::value> ListContains(json::value& self, Args args, const MethodContext&) {
  return IndexOfValue(self.get_array(), args[0]) >= 0;
}

absl::StatusOr<json::value> ListIndexOf(json::value& self, Args args, const MethodContext&) {
  return IndexOfValue(self.get_array(), args[0]);
}

// add(x) appends and answers true; add(i, x) inserts and answers nothing.
absl::StatusOr<json::value> ListAdd(json::value& self, Args args, const MethodContext&) {
  json::array& list = self.get_array();
  if (args.size() == 1) {
    list.push_back(args[0]);
    return true;
  }
  std::optional<size_t> i = ListIndex(args[0], list.size(), true);
  if (!i) return OutOfRange("add");
  list.insert(list.begin() + *i, args[1]);
  return nullptr;
}

absl::StatusOr<json::value> ListAddAll(json::value& self, Args args, const MethodContext&) {
  const json::array* items = args[0].if_array();
  if (items == nullptr) return nullptr;
  json::array& list = self.get_array();
  list.insert(list.end(), items->begin(), items->end());
  return !items->empty();
}

// remove(int) removes at an index and answers the element; remove(Object) the first equal
// element, answering whether there was one.
absl::StatusOr<json::value> ListRemove(json::value& self, Args args, const MethodContext&) {
  json::array& list = self.get_array();
  if (AsInteger(args[0])) {
    std::optional<size_t> i = ListIndex(args[0], list.size(), false);
    if (!i) return OutOfRange("remove");
    json::value removed = list[*i];
    list.erase(list.begin() + *i);
    return removed;
  }
  int64_t i = IndexOfValue(list, args[0]);
  if (i < 0) return false;
  list.erase(list.begin() + i);
  return true;
}

absl::StatusOr<json::value> ListSet(json::value& self, Args args, const MethodContext&) {
  json::array& list = self.get_array();
  std::optional<size_t> i = ListIndex(args[0], list.size(), false);
  if (!i) return OutOfRange("set");
  json::value previous = std::move(list[*i]);
  list[*i] = args[1];
  return previous;
}

absl::StatusOr<json::value> ListSubList(json::value& self, Args args, const MethodContext&) {
  const json::array& list = self.get_array();
  std::optional<size_t> from = ListIndex(args[0], list.size(), true);
  std::optional<size_t> to = ListIndex(args[1], list.size(), true);
  if (!from || !to || *from > *to) return OutOfRange("subList");
  return json::array(list.begin() + *from, list.begin() + *to);
}

constexpr MethodEntry kListMethods[] = {
    {"size", 0, 0, Size},   {"isEmpty", 0, 0, IsEmpty},       {"toString", 0, 0, ToString},
    {"get", 1, 1, ListGet}, {"contains", 1, 1, ListContains}, {"indexOf", 1, 1, ListIndexOf},
    {"add", 1, 2, ListAdd}, {"addAll", 1, 1, ListAddAll},     {"remove", 1, 1, ListRemove},
    {"set", 2, 2, ListSet}, {"subList", 2, 2, ListSubList},
};

// ---- Map

absl::StatusOr<json::value> MapGet(json::value& self, Args args, const MethodContext&) {
  const json::value* found = self.get_object().if_contains(KeyOf(args[0]));
  return found == nullptr ? json::value() : *found;
}

absl::StatusOr<json::value> MapPut(json::value& self, Args args, const MethodContext&) {
  json::value& slot = self.get_object()[KeyOf(args[0])];
  json::value previous = std::move(slot);
  slot = args[1];
  return previous;
}

absl::StatusOr<json::value> MapPutAll(json::value& self, Args args, const MethodContext&) {
  const json::object* other = args[0].if_object();
  if (other == nullptr) return nullptr;
  json::object& map = self.get_object();
  for (const json::key_value_pair& member : *other) map[member.key()] = member.value();
  return nullptr;
}

absl::StatusOr<json::value> MapContainsKey(json::value& self, Args args, const MethodContext&) {
  return self.get_object().contains(KeyOf(args[0]));
}

absl::StatusOr<json::value> MapContainsValue(json::value& self, Args args, const MethodContext&) {
  for (const json::key_value_pair& member : self.get_object()) {
    if (member.value() == args[0]) return true;
  }
  return false;
}

absl::StatusOr<json::value> MapRemove(json::value& self, Args args, const MethodContext&) {
  json::object& map = self.get_object();
  auto found = map.find(KeyOf(args[0]));
  if (found == map.end()) return nullptr;
  json::value previous = std::move(found->value());
  map.erase(found);
  return previous;
}

absl::StatusOr<json::value> MapKeySet(json::value& self, Args, const MethodContext&) {
  json::array keys;
  for (const json::key_value_pair& member : self.get_object()) keys.emplace_back(member.key());
  return keys;
}

absl::StatusOr<json::value> MapValues(json::value& self, Args, const MethodContext&) {
  json::array values;
  for (const json::key_value_pair& member : self.get_object()) values.push_back(member.value());
  return values;
}

// Each entry is a map {key, value}: `$e.key` and `$e.getKey()` read it as Map.Entry's would.
absl::StatusOr<json::value> MapEntrySet(json::value& self, Args, const MethodContext&) {
  json::array entries;
  for (const json::key_value_pair& member : self.get_object()) {
    entries.push_back(json::object{{"key", member.key()}, {"value", member.value()}});
  }
  return entries;
}

constexpr MethodEntry kMapMethods[] = {
    {"size", 0, 0, Size},
    {"isEmpty", 0, 0, IsEmpty},
    {"toString", 0, 0, ToString},
    {"get", 1, 1, MapGet},
    {"put", 2, 2, MapPut},
    {"putAll", 1, 1, MapPutAll},
    {"containsKey", 1, 1, MapContainsKey},
    {"containsValue", 1, 1, MapContainsValue},
    {"remove", 1, 1, MapRemove},
    {"keySet", 0, 0, MapKeySet},
    {"values", 0, 0, MapValues},
    {"entrySet", 0, 0, MapEntrySet},
};

// ---- Numbers and booleans

absl::StatusOr<json::value> IntValue(json::value& self, Args, const MethodContext&) {
  if (std::optional<int64_t> i = AsInteger(self)) return *i;
  std::optional<double> d = AsDouble(self);
  if (!d || std::isnan(*d)) return nullptr;
  return static_cast<int64_t>(std::trunc(std::clamp(*d, -9.2e18, 9.2e18)));
}

absl::StatusOr<json::value> DoubleValue(json::value& self, Args, const MethodContext&) {
  std::optional<double> d = AsDouble(self);
  if (!d) return nullptr;
  return *d;
}

absl::StatusOr<json::value> BooleanValue(json::value& self, Args, const MethodContext&) {
  if (!self.is_bool()) return nullptr;
  return self;
}

absl::StatusOr<json::value> ScalarEquals(json::value& self, Args args, const MethodContext&) {
  return self == args[0];
}

constexpr MethodEntry kScalarMethods[] = {
    {"toString", 0, 0, ToString},      {"intValue", 0, 0, IntValue},
    {"longValue", 0, 0, IntValue},     {"doubleValue", 0, 0, DoubleValue},
    {"floatValue", 0, 0, DoubleValue}, {"booleanValue", 0, 0, BooleanValue},
    {"equals", 1, 1, ScalarEquals},
};

}  // namespace

std::span<const MethodEntry> ListMethods() { return kListMethods; }
std::span<const MethodEntry> MapMethods() { return kMapMethods; }
std::span<const MethodEntry> ScalarMethods() { return kScalarMethods; }

}  // namespace serval::apigateway::vtl
