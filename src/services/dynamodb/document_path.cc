// Document paths over wire-form items, and the messages shared by the expression files.

#include <fmt/format.h>

#include <boost/json.hpp>
#include <string>

#include "absl/strings/str_join.h"
#include "common/aws_error.h"
#include "services/dynamodb/expression_internal.h"

namespace serval::dynamodb {

namespace json = boost::json;

absl::Status Invalid(std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, "ValidationException", message);
}

absl::Status InvalidExpression(std::string_view parameter, std::string_view detail) {
  return Invalid(fmt::format("Invalid {}: {}", parameter, detail));
}

std::string_view TypeKey(const json::value& value) {
  const json::object* object = value.if_object();
  if (!object || object->size() != 1) return {};
  return object->begin()->key();
}

const json::value* PayloadOf(const json::value& value) {
  const json::object* object = value.if_object();
  if (!object || object->size() != 1) return nullptr;
  return &object->begin()->value();
}

const json::object* MapPayload(const json::value& value) {
  if (TypeKey(value) != "M") return nullptr;
  return PayloadOf(value)->if_object();
}

const json::array* ListPayload(const json::value& value) {
  if (TypeKey(value) != "L") return nullptr;
  return PayloadOf(value)->if_array();
}

const json::value* FindPath(const json::object& item, const DocumentPath& path) {
  if (path.empty() || path[0].index >= 0) return nullptr;
  const json::value* current = item.if_contains(path[0].name);
  for (size_t i = 1; current && i < path.size(); ++i) {
    if (path[i].index >= 0) {
      const json::array* list = ListPayload(*current);
      const size_t index = static_cast<size_t>(path[i].index);
      current = list && index < list->size() ? &(*list)[index] : nullptr;
    } else {
      const json::object* map = MapPayload(*current);
      current = map ? map->if_contains(path[i].name) : nullptr;
    }
  }
  return current;
}

std::string PathForMessage(const DocumentPath& path) {
  return fmt::format("[{}]", absl::StrJoin(path, ", ", [](std::string* out, const PathElement& e) {
                       if (e.index >= 0) {
                         out->append(fmt::format("[{}]", e.index));
                       } else {
                         out->append(e.name);
                       }
                     }));
}

absl::Status CheckPathsDisjoint(const std::vector<const DocumentPath*>& paths,
                                std::string_view parameter) {
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = i + 1; j < paths.size(); ++j) {
      const DocumentPath& a = *paths[i];
      const DocumentPath& b = *paths[j];
      const size_t common = std::min(a.size(), b.size());
      size_t step = 0;
      while (step < common && a[step].index == b[step].index && a[step].name == b[step].name) {
        ++step;
      }
      const char* relation = nullptr;
      if (step == common) {
        relation = "overlap";
      } else if ((a[step].index >= 0) != (b[step].index >= 0)) {
        relation = "conflict";
      }
      if (relation) {
        return InvalidExpression(
            parameter,
            fmt::format("Two document paths {} with each other; must remove or rewrite one of "
                        "these paths; path one: {}, path two: {}",
                        relation, PathForMessage(a), PathForMessage(b)));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace serval::dynamodb
