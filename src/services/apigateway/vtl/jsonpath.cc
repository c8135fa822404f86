#include "services/apigateway/vtl/jsonpath.h"

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "fmt/format.h"

namespace serval::apigateway::vtl {

namespace json = boost::json;

namespace {

struct Segment {
  enum class Kind { kMember, kIndex, kWildcard, kSlice, kDeepMember };
  Kind kind = Kind::kMember;
  std::string name;
  int64_t index = 0;
  std::optional<int64_t> slice_start;
  std::optional<int64_t> slice_end;
};

absl::Status Malformed(std::string_view path, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("invalid JSONPath '{}': {}", path, why));
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  int64_t value = 0;
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// The contents of `[...]`, without the brackets.
absl::StatusOr<Segment> ParseBracket(std::string_view path, std::string_view inside) {
  Segment segment;
  if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"') &&
      inside.back() == inside.front()) {
    segment.name = std::string(inside.substr(1, inside.size() - 2));
    return segment;
  }
  if (inside == "*") {
    segment.kind = Segment::Kind::kWildcard;
    return segment;
  }
  if (size_t colon = inside.find(':'); colon != std::string_view::npos) {
    segment.kind = Segment::Kind::kSlice;
    std::string_view start = inside.substr(0, colon);
    std::string_view end = inside.substr(colon + 1);
    if (!start.empty() && !(segment.slice_start = ParseInteger(start))) {
      return Malformed(path, "bad slice start");
    }
    if (!end.empty() && !(segment.slice_end = ParseInteger(end))) {
      return Malformed(path, "bad slice end");
    }
    return segment;
  }
  std::optional<int64_t> index = ParseInteger(inside);
  if (!index) return Malformed(path, "expected an index, a quoted name, '*' or a slice in []");
  segment.kind = Segment::Kind::kIndex;
  segment.index = *index;
  return segment;
}

absl::StatusOr<std::vector<Segment>> ParsePath(std::string_view path) {
  if (path.empty() || path[0] != '$') return Malformed(path, "must start with '$'");
  std::vector<Segment> segments;
  size_t i = 1;
  auto read_name = [&]() {
    size_t start = i;
    while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
    return std::string(path.substr(start, i - start));
  };
  while (i < path.size()) {
    Segment segment;
    if (path.substr(i, 2) == "..") {
      i += 2;
      segment.kind = Segment::Kind::kDeepMember;
      segment.name = read_name();
      if (segment.name.empty()) return Malformed(path, "expected a name after '..'");
    } else if (path[i] == '.') {
      ++i;
      segment.name = read_name();
      if (segment.name == "*") segment.kind = Segment::Kind::kWildcard;
      if (segment.name.empty()) return Malformed(path, "expected a name after '.'");
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) return Malformed(path, "unclosed '['");
      absl::StatusOr<Segment> bracket = ParseBracket(path, path.substr(i + 1, close - i - 1));
      if (!bracket.ok()) return bracket.status();
      segment = *std::move(bracket);
      i = close + 1;
    } else {
      return Malformed(path, fmt::format("unexpected '{}'", path.substr(i, 1)));
    }
    segments.push_back(std::move(segment));
  }
  return segments;
}

void CollectDeep(const json::value& value, const std::string& name,
                 std::vector<const json::value*>& out) {
  if (const json::object* map = value.if_object()) {
    if (const json::value* found = map->if_contains(name)) out.push_back(found);
    for (const json::key_value_pair& member : *map) CollectDeep(member.value(), name, out);
  } else if (const json::array* list = value.if_array()) {
    for (const json::value& item : *list) CollectDeep(item, name, out);
  }
}

// Python-style slice bounds: negative counts from the end, clamped to the list.
size_t SliceBound(std::optional<int64_t> bound, int64_t fallback, size_t size) {
  int64_t value = bound.value_or(fallback);
  if (value < 0) value += static_cast<int64_t>(size);
  return static_cast<size_t>(std::clamp<int64_t>(value, 0, static_cast<int64_t>(size)));
}

void Apply(const Segment& segment, const json::value& value, std::vector<const json::value*>& out) {
  const json::array* list = value.if_array();
  const json::object* map = value.if_object();
  switch (segment.kind) {
    case Segment::Kind::kMember:
      if (map != nullptr) {
        if (const json::value* found = map->if_contains(segment.name)) out.push_back(found);
      }
      return;
    case Segment::Kind::kIndex:
      if (list != nullptr) {
        int64_t index =
            segment.index < 0 ? segment.index + static_cast<int64_t>(list->size()) : segment.index;
        if (index >= 0 && index < static_cast<int64_t>(list->size()))
          out.push_back(&(*list)[index]);
      }
      return;
    case Segment::Kind::kWildcard:
      if (list != nullptr) {
        for (const json::value& item : *list) out.push_back(&item);
      } else if (map != nullptr) {
        for (const json::key_value_pair& member : *map) out.push_back(&member.value());
      }
      return;
    case Segment::Kind::kSlice:
      if (list != nullptr) {
        size_t start = SliceBound(segment.slice_start, 0, list->size());
        size_t end =
            SliceBound(segment.slice_end, static_cast<int64_t>(list->size()), list->size());
        for (size_t i = start; i < end; ++i) out.push_back(&(*list)[i]);
      }
      return;
    case Segment::Kind::kDeepMember:
      CollectDeep(value, segment.name, out);
      return;
  }
}

}  // namespace

absl::StatusOr<json::value> EvaluateJsonPath(const json::value& document, std::string_view path) {
  absl::StatusOr<std::vector<Segment>> segments = ParsePath(path);
  if (!segments.ok()) return segments.status();
  std::vector<const json::value*> current{&document};
  bool definite = true;
  for (const Segment& segment : *segments) {
    definite = definite &&
               (segment.kind == Segment::Kind::kMember || segment.kind == Segment::Kind::kIndex);
    std::vector<const json::value*> next;
    for (const json::value* value : current) Apply(segment, *value, next);
    current = std::move(next);
  }
  if (definite) return current.empty() ? json::value() : *current.front();
  json::array found;
  for (const json::value* value : current) found.push_back(*value);
  return found;
}

}  // namespace serval::apigateway::vtl
