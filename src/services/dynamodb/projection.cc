// Projection expressions and AttributesToGet: which parts of an item a read returns.

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/dynamodb/expression.h"
#include "services/dynamodb/expression_internal.h"
#include "services/dynamodb/expression_parser.h"

namespace serval::dynamodb {

namespace json = boost::json;

namespace {

// The projected paths as a tree: a step either takes its whole value or descends.
struct Selection {
  bool whole = false;
  std::map<std::string, Selection> names;
  std::map<int, Selection> indexes;
};

void AddPath(Selection& root, const DocumentPath& path) {
  Selection* node = &root;
  for (const PathElement& element : path) {
    node = element.index >= 0 ? &node->indexes[element.index] : &node->names[element.name];
  }
  node->whole = true;
}

// The selected part of `value`, or null when nothing selected is there.
std::optional<json::value> Project(const json::value& value, const Selection& selection) {
  if (selection.whole) return value;
  if (const json::object* map = MapPayload(value); map && !selection.names.empty()) {
    json::object kept;
    for (const auto& [name, child] : selection.names) {
      const json::value* member = map->if_contains(name);
      if (!member) continue;
      if (std::optional<json::value> part = Project(*member, child)) kept[name] = *std::move(part);
    }
    if (kept.empty()) return std::nullopt;
    return json::object{{"M", std::move(kept)}};
  }
  if (const json::array* list = ListPayload(value); list && !selection.indexes.empty()) {
    json::array kept;
    for (const auto& [index, child] : selection.indexes) {
      if (static_cast<size_t>(index) >= list->size()) continue;
      if (std::optional<json::value> part = Project((*list)[index], child)) {
        kept.push_back(*std::move(part));
      }
    }
    if (kept.empty()) return std::nullopt;
    return json::object{{"L", std::move(kept)}};
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<Projection> Projection::Parse(std::string_view text, Substitutions& substitutions) {
  absl::StatusOr<std::vector<DocumentPath>> paths =
      ExpressionParser(text, "ProjectionExpression", substitutions).ParseProjection();
  if (!paths.ok()) return paths.status();
  Projection projection;
  projection.paths_ = *std::move(paths);
  return projection;
}

absl::StatusOr<Projection> Projection::FromAttributesToGet(const json::value& names) {
  const json::array* array = names.if_array();
  if (!array) return Invalid("AttributesToGet must be a list");
  if (array->empty()) {
    return Invalid(
        "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1");
  }
  Projection projection;
  for (const json::value& name : *array) {
    const json::string* text = name.if_string();
    if (!text) return Invalid("AttributesToGet must be a list of strings");
    for (const DocumentPath& path : projection.paths_) {
      if (path[0].name == *text) {
        return Invalid(
            fmt::format("One or more parameter values were invalid: Duplicate value "
                        "in attribute name: {}",
                        std::string_view(*text)));
      }
    }
    projection.paths_.push_back(DocumentPath{PathElement{std::string(*text), -1}});
  }
  return projection;
}

json::object Projection::Apply(const json::object& item) const {
  Selection root;
  for (const DocumentPath& path : paths_) AddPath(root, path);
  json::object result;
  for (const auto& [name, selection] : root.names) {
    const json::value* value = item.if_contains(name);
    if (!value) continue;
    if (std::optional<json::value> part = Project(*value, selection)) {
      result[name] = *std::move(part);
    }
  }
  return result;
}

std::vector<std::string> Projection::TopLevelNames() const {
  std::vector<std::string> names;
  for (const DocumentPath& path : paths_) {
    if (std::find(names.begin(), names.end(), path[0].name) == names.end()) {
      names.push_back(path[0].name);
    }
  }
  return names;
}

}  // namespace serval::dynamodb
