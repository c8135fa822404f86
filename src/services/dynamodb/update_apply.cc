// Update expressions: parsing entry point and applying the actions to an item.
//
// AWS computes every SET value from the item as it was before the update, then writes; the
// actions touch disjoint paths (the parser checks), so their order only matters within one list:
// SETs past the end append in index order, and REMOVEs run from the highest index down so that
// each index names the element it named before the update.

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/expression.h"
#include "services/dynamodb/expression_internal.h"
#include "services/dynamodb/expression_parser.h"

namespace serval::dynamodb {

namespace json = boost::json;
using Actions = Update::Actions;

namespace {

absl::Status WrongDataType() {
  return Invalid("An operand in the update expression has an incorrect data type");
}

absl::Status InvalidPath() {
  return Invalid("The document path provided in the update expression is invalid for update");
}

// Path order with list indexes compared as numbers.
bool PathLess(const DocumentPath& a, const DocumentPath& b) {
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(), [](const PathElement& x, const PathElement& y) {
        return std::tie(x.index, x.name) < std::tie(y.index, y.name);
      });
}

json::object* MutableMap(json::value& value) {
  json::object* object = value.if_object();
  if (!object || object->size() != 1) return nullptr;
  json::value* payload = object->if_contains("M");
  return payload ? payload->if_object() : nullptr;
}

json::array* MutableList(json::value& value) {
  json::object* object = value.if_object();
  if (!object || object->size() != 1) return nullptr;
  json::value* payload = object->if_contains("L");
  return payload ? payload->if_array() : nullptr;
}

// The value at the first `length` steps of `path`, or null.
json::value* MutableFind(json::object& item, const DocumentPath& path, size_t length) {
  json::value* current = item.if_contains(path[0].name);
  for (size_t i = 1; current && i < length; ++i) {
    if (path[i].index >= 0) {
      json::array* list = MutableList(*current);
      const size_t index = static_cast<size_t>(path[i].index);
      current = list && index < list->size() ? &(*list)[index] : nullptr;
    } else {
      json::object* map = MutableMap(*current);
      current = map ? map->if_contains(path[i].name) : nullptr;
    }
  }
  return current;
}

// Where the last step of `path` lands: the item itself for a top-level name, else the map or
// the list that holds it. Null fields when the enclosing value is missing or of another kind.
struct Parent {
  json::object* object = nullptr;  // the item or an M payload
  json::array* list = nullptr;     // an L payload
};

absl::StatusOr<Parent> ParentOf(json::object& item, const DocumentPath& path) {
  Parent parent;
  if (path.size() == 1) {
    parent.object = &item;
    return parent;
  }
  json::value* holder = MutableFind(item, path, path.size() - 1);
  if (holder && path.back().index >= 0) parent.list = MutableList(*holder);
  if (holder && path.back().index < 0) parent.object = MutableMap(*holder);
  if (!parent.object && !parent.list) return InvalidPath();
  return parent;
}

absl::Status SetAt(json::object& item, const DocumentPath& path, json::value value) {
  absl::StatusOr<Parent> parent = ParentOf(item, path);
  if (!parent.ok()) return parent.status();
  const PathElement& last = path.back();
  if (parent->object) {
    (*parent->object)[last.name] = std::move(value);
  } else if (static_cast<size_t>(last.index) < parent->list->size()) {
    (*parent->list)[last.index] = std::move(value);
  } else {
    parent->list->push_back(std::move(value));
  }
  return absl::OkStatus();
}

absl::Status RemoveAt(json::object& item, const DocumentPath& path) {
  absl::StatusOr<Parent> parent = ParentOf(item, path);
  if (!parent.ok()) return parent.status();
  const PathElement& last = path.back();
  if (parent->object) {
    parent->object->erase(last.name);
  } else if (static_cast<size_t>(last.index) < parent->list->size()) {
    parent->list->erase(parent->list->begin() + last.index);
  }
  return absl::OkStatus();
}

// A SET operand's value in the item before the update.
absl::StatusOr<json::value> Compute(const Operand& operand, const json::object& item) {
  switch (operand.kind) {
    case Operand::Kind::kValue:
      return operand.value;
    case Operand::Kind::kPath: {
      const json::value* value = FindPath(item, operand.path);
      if (!value) {
        return Invalid(
            "The provided expression refers to an attribute that does not exist in the item");
      }
      return *value;
    }
    case Operand::Kind::kIfNotExists: {
      if (const json::value* value = FindPath(item, operand.path)) return *value;
      return Compute(operand.args[0], item);
    }
    case Operand::Kind::kListAppend: {
      absl::StatusOr<json::value> first = Compute(operand.args[0], item);
      if (!first.ok()) return first.status();
      absl::StatusOr<json::value> second = Compute(operand.args[1], item);
      if (!second.ok()) return second.status();
      const json::array* head = ListPayload(*first);
      const json::array* tail = ListPayload(*second);
      if (!head || !tail) return WrongDataType();
      json::array joined = *head;
      for (const json::value& element : *tail) joined.push_back(element);
      return json::object{{"L", std::move(joined)}};
    }
    case Operand::Kind::kPlus:
    case Operand::Kind::kMinus: {
      absl::StatusOr<json::value> left = Compute(operand.args[0], item);
      if (!left.ok()) return left.status();
      absl::StatusOr<json::value> right = Compute(operand.args[1], item);
      if (!right.ok()) return right.status();
      if (TypeKey(*left) != "N" || TypeKey(*right) != "N") return WrongDataType();
      const json::string* a = PayloadOf(*left)->if_string();
      const json::string* b = PayloadOf(*right)->if_string();
      if (!a || !b) return WrongDataType();
      absl::StatusOr<std::string> result =
          operand.kind == Operand::Kind::kPlus ? AddNumbers(*a, *b) : SubtractNumbers(*a, *b);
      if (!result.ok()) return result.status();
      return json::object{{"N", *std::move(result)}};
    }
    case Operand::Kind::kSize:
      break;  // the parser allows size() only in conditions
  }
  return WrongDataType();
}

bool SameSetElement(std::string_view type, const json::value& a, const json::value& b) {
  const json::string* x = a.if_string();
  const json::string* y = b.if_string();
  if (!x || !y) return false;
  return type == "NS" ? CompareNumbers(*x, *y) == 0 : *x == *y;
}

absl::Status Add(json::object& item, const Actions::WithValue& action) {
  json::value* existing = MutableFind(item, action.path, action.path.size());
  if (!existing) return SetAt(item, action.path, action.value);
  const std::string_view type = TypeKey(action.value);
  if (TypeKey(*existing) != type) return WrongDataType();
  json::value* target = existing->as_object().if_contains(type);
  const json::value* addition = PayloadOf(action.value);
  if (type == "N") {
    const json::string* a = target->if_string();
    const json::string* b = addition->if_string();
    if (!a || !b) return WrongDataType();
    absl::StatusOr<std::string> sum = AddNumbers(*a, *b);
    if (!sum.ok()) return sum.status();
    *target = json::string(*sum);
    return absl::OkStatus();
  }
  json::array* members = target->if_array();
  const json::array* added = addition->if_array();
  if (!members || !added) return WrongDataType();
  if (type == "L") {  // legacy AttributeUpdates only
    for (const json::value& element : *added) members->push_back(element);
    return absl::OkStatus();
  }
  for (const json::value& element : *added) {
    const bool present = std::any_of(members->begin(), members->end(), [&](const json::value& m) {
      return SameSetElement(type, m, element);
    });
    if (!present) members->push_back(element);
  }
  return absl::OkStatus();
}

absl::Status Delete(json::object& item, const Actions::WithValue& action) {
  json::value* existing = MutableFind(item, action.path, action.path.size());
  if (!existing) return absl::OkStatus();
  const std::string_view type = TypeKey(action.value);
  if (TypeKey(*existing) != type) return WrongDataType();
  json::array* members = existing->as_object().if_contains(type)->if_array();
  const json::array* removed = PayloadOf(action.value)->if_array();
  if (!members || !removed) return WrongDataType();
  json::array kept;
  for (const json::value& member : *members) {
    const bool drop = std::any_of(removed->begin(), removed->end(), [&](const json::value& r) {
      return SameSetElement(type, member, r);
    });
    if (!drop) kept.push_back(member);
  }
  // A set is never empty: deleting its last elements removes the attribute.
  if (kept.empty()) return RemoveAt(item, action.path);
  *members = std::move(kept);
  return absl::OkStatus();
}

absl::Status ApplyTo(const Actions& actions, const json::object& before, json::object& after) {
  std::vector<std::pair<const DocumentPath*, json::value>> sets;
  for (const Actions::Set& set : actions.sets) {
    absl::StatusOr<json::value> value = Compute(set.value, before);
    if (!value.ok()) return value.status();
    sets.emplace_back(&set.path, *std::move(value));
  }
  std::stable_sort(sets.begin(), sets.end(),
                   [](const auto& a, const auto& b) { return PathLess(*a.first, *b.first); });
  for (auto& [path, value] : sets) {
    if (absl::Status status = SetAt(after, *path, std::move(value)); !status.ok()) return status;
  }
  std::vector<const DocumentPath*> removes;
  for (const DocumentPath& path : actions.removes) removes.push_back(&path);
  std::stable_sort(removes.begin(), removes.end(),
                   [](const DocumentPath* a, const DocumentPath* b) { return PathLess(*b, *a); });
  for (const DocumentPath* path : removes) {
    if (absl::Status status = RemoveAt(after, *path); !status.ok()) return status;
  }
  for (const Actions::WithValue& add : actions.adds) {
    if (absl::Status status = Add(after, add); !status.ok()) return status;
  }
  for (const Actions::WithValue& del : actions.deletes) {
    if (absl::Status status = Delete(after, del); !status.ok()) return status;
  }
  return absl::OkStatus();
}

void AddName(const DocumentPath& path, std::vector<std::string>& names) {
  if (path.empty()) return;
  if (std::find(names.begin(), names.end(), path[0].name) == names.end()) {
    names.push_back(path[0].name);
  }
}

}  // namespace

Update::Update(std::shared_ptr<const Actions> actions) : actions_(std::move(actions)) {}
Update::~Update() = default;
Update::Update(Update&&) noexcept = default;
Update& Update::operator=(Update&&) noexcept = default;

absl::StatusOr<Update> Update::Parse(std::string_view text, Substitutions& substitutions) {
  absl::StatusOr<Actions> actions =
      ExpressionParser(text, "UpdateExpression", substitutions).ParseUpdate();
  if (!actions.ok()) return actions.status();
  return Update(std::make_shared<const Actions>(*std::move(actions)));
}

absl::Status Update::Apply(json::object& item) const {
  json::object updated = item;
  if (absl::Status status = ApplyTo(*actions_, item, updated); !status.ok()) return status;
  item = std::move(updated);
  return absl::OkStatus();
}

std::vector<std::string> Update::TopLevelNames() const {
  std::vector<std::string> names;
  for (const Actions::Set& set : actions_->sets) AddName(set.path, names);
  for (const DocumentPath& path : actions_->removes) AddName(path, names);
  for (const Actions::WithValue& add : actions_->adds) AddName(add.path, names);
  for (const Actions::WithValue& del : actions_->deletes) AddName(del.path, names);
  return names;
}

}  // namespace serval::dynamodb
