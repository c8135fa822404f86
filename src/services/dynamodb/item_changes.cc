#include "services/dynamodb/item_changes.h"

#include <boost/json.hpp>

#include "absl/strings/str_join.h"
#include "common/aws_error.h"
#include "services/dynamodb/dynamodb_errors.h"

namespace serval::dynamodb {
namespace json = boost::json;
namespace {

using Decision = absl::StatusOr<ChangeOutcome>;

// "Can not use both expression and non-expression parameters in the same request: ..."
absl::Status CheckStyles(const json::object& part) {
  std::vector<std::string> legacy, modern;
  for (const char* name : {"AttributesToGet", "Expected", "AttributeUpdates", "ConditionalOperator",
                           "KeyConditions", "QueryFilter", "ScanFilter"}) {
    if (part.contains(name)) legacy.emplace_back(name);
  }
  for (const char* name : {"ProjectionExpression", "ConditionExpression", "UpdateExpression",
                           "KeyConditionExpression", "FilterExpression"}) {
    if (part.contains(name)) modern.emplace_back(name);
  }
  if (legacy.empty() || modern.empty()) return absl::OkStatus();
  return ValidationError(
      "Can not use both expression and non-expression parameters in the same request: "
      "Non-expression parameters: {" +
      absl::StrJoin(legacy, ", ") + "} Expression parameters: {" + absl::StrJoin(modern, ", ") +
      "}");
}

// The members every write shares: its table's key or item, condition and return options.
struct Common {
  std::optional<Condition> condition;
  std::string return_values = "NONE";
  bool return_old_on_failure = false;
};

absl::StatusOr<Common> ReadCommon(const json::object& part, Substitutions& substitutions,
                                  std::initializer_list<std::string_view> return_values,
                                  bool in_transaction) {
  if (auto status = CheckStyles(part); !status.ok()) return status;
  Common common;
  auto condition = RequestCondition(part, "ConditionExpression", "Expected", substitutions);
  if (!condition.ok()) return condition.status();
  common.condition = *std::move(condition);
  if (!in_transaction) {
    auto mode = OptionalString(part, "ReturnValues");
    if (!mode.ok()) return mode.status();
    if (*mode) {
      bool allowed = false;
      for (std::string_view option : return_values) allowed = allowed || **mode == option;
      if (!allowed) return ValidationError("Return values set to invalid value");
      common.return_values = **mode;
    }
  }
  auto on_failure = EnumMember(part, "ReturnValuesOnConditionCheckFailure",
                               "returnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"}, "NONE");
  if (!on_failure.ok()) return on_failure.status();
  common.return_old_on_failure = *on_failure == "ALL_OLD";
  return common;
}

absl::StatusOr<CheckedKey> ReadKey(const TableSchema& table, const json::object& part) {
  auto key = OptionalObject(part, "Key");
  if (!key.ok()) return key.status();
  if (!*key) return MissingParameter("key");
  return CheckKey(table, **std::move(key));
}

bool Holds(const std::optional<Condition>& condition, const json::object* current) {
  static const json::object kNoItem;
  return !condition || condition->Evaluate(current ? *current : kNoItem);
}

}  // namespace

absl::StatusOr<std::optional<Condition>> RequestCondition(const json::object& part,
                                                          std::string_view expression_member,
                                                          std::string_view legacy_member,
                                                          Substitutions& substitutions) {
  auto expression = OptionalString(part, expression_member);
  if (!expression.ok()) return expression.status();
  if (*expression) {
    auto condition = Condition::Parse(**expression, expression_member, substitutions);
    if (!condition.ok()) return condition.status();
    return std::optional<Condition>(*std::move(condition));
  }
  auto legacy = OptionalObject(part, legacy_member);
  if (!legacy.ok()) return legacy.status();
  if (!*legacy) return std::optional<Condition>();
  auto joiner =
      EnumMember(part, "ConditionalOperator", "conditionalOperator", {"AND", "OR"}, "AND");
  if (!joiner.ok()) return joiner.status();
  auto condition = Condition::FromLegacy(**legacy, *joiner, legacy_member);
  if (!condition.ok()) return condition.status();
  return std::optional<Condition>(*std::move(condition));
}

absl::StatusOr<PreparedChange> PreparePut(std::shared_ptr<const TableSchema> table,
                                          const json::object& part, bool in_transaction) {
  auto item = OptionalObject(part, "Item");
  if (!item.ok()) return item.status();
  if (!*item) return MissingParameter("item");
  if (auto status = CheckItem(*table, **item); !status.ok()) return status;
  auto substitutions = Substitutions::FromRequest(part);
  if (!substitutions.ok()) return substitutions.status();
  auto common = ReadCommon(part, *substitutions, {"NONE", "ALL_OLD"}, in_transaction);
  if (!common.ok()) return common.status();
  if (auto status = substitutions->CheckAllUsed(); !status.ok()) return status;

  auto new_item = std::make_shared<const json::object>(**std::move(item));
  PreparedChange prepared;
  prepared.key = json::object{{table->key.hash_name, new_item->at(table->key.hash_name)}};
  if (table->key.has_range()) {
    prepared.key[table->key.range_name] = new_item->at(table->key.range_name);
  }
  prepared.return_values = common->return_values;
  prepared.return_old_on_failure = common->return_old_on_failure;
  prepared.change.key = KeyOf(table->key, *new_item);
  prepared.change.table = std::move(table);
  prepared.change.decide =
      [condition = std::make_shared<std::optional<Condition>>(std::move(common->condition)),
       new_item](const json::object* current) -> Decision {
    if (!Holds(*condition, current)) return ConditionalCheckFailed();
    return ChangeOutcome{ChangeOutcome::Kind::kPut, new_item};
  };
  return prepared;
}

absl::StatusOr<PreparedChange> PrepareUpdate(std::shared_ptr<const TableSchema> table,
                                             const json::object& part, bool in_transaction) {
  auto key = ReadKey(*table, part);
  if (!key.ok()) return key.status();
  auto substitutions = Substitutions::FromRequest(part);
  if (!substitutions.ok()) return substitutions.status();
  auto common =
      ReadCommon(part, *substitutions, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"},
                 in_transaction);
  if (!common.ok()) return common.status();
  std::optional<Update> update;
  auto expression = OptionalString(part, "UpdateExpression");
  if (!expression.ok()) return expression.status();
  auto legacy = OptionalObject(part, "AttributeUpdates");
  if (!legacy.ok()) return legacy.status();
  if (*expression) {
    auto parsed = Update::Parse(**expression, *substitutions);
    if (!parsed.ok()) return parsed.status();
    update = *std::move(parsed);
  } else if (*legacy) {
    auto parsed = Update::FromLegacy(**legacy);
    if (!parsed.ok()) return parsed.status();
    update = *std::move(parsed);
  } else if (in_transaction) {
    return MissingParameter("updateExpression");
  }
  if (auto status = substitutions->CheckAllUsed(); !status.ok()) return status;
  PreparedChange prepared;
  if (update) {
    prepared.updated_names = update->TopLevelNames();
    for (const std::string& name : prepared.updated_names) {
      if (name == table->key.hash_name || name == table->key.range_name) {
        return ValidationError(
            "One or more parameter values were invalid: Cannot update attribute " + name +
            ". This attribute is part of the key");
      }
    }
  }
  prepared.key = key->attributes;
  prepared.return_values = common->return_values;
  prepared.return_old_on_failure = common->return_old_on_failure;
  prepared.change.key = key->key;
  auto shared_update = std::make_shared<const std::optional<Update>>(std::move(update));
  prepared.change.decide =
      [table, condition = std::make_shared<std::optional<Condition>>(std::move(common->condition)),
       shared_update, key_attributes = key->attributes](const json::object* current) -> Decision {
    if (!Holds(*condition, current)) return ConditionalCheckFailed();
    auto item = std::make_shared<json::object>(current ? *current : key_attributes);
    if (*shared_update) {
      if (auto status = (*shared_update)->Apply(*item); !status.ok()) return status;
    }
    if (auto status = CheckItem(*table, *item); !status.ok()) return status;
    return ChangeOutcome{ChangeOutcome::Kind::kPut, std::move(item)};
  };
  prepared.change.table = std::move(table);
  return prepared;
}

absl::StatusOr<PreparedChange> PrepareDelete(std::shared_ptr<const TableSchema> table,
                                             const json::object& part, bool in_transaction) {
  auto key = ReadKey(*table, part);
  if (!key.ok()) return key.status();
  auto substitutions = Substitutions::FromRequest(part);
  if (!substitutions.ok()) return substitutions.status();
  auto common = ReadCommon(part, *substitutions, {"NONE", "ALL_OLD"}, in_transaction);
  if (!common.ok()) return common.status();
  if (auto status = substitutions->CheckAllUsed(); !status.ok()) return status;
  PreparedChange prepared;
  prepared.key = key->attributes;
  prepared.return_values = common->return_values;
  prepared.return_old_on_failure = common->return_old_on_failure;
  prepared.change.key = key->key;
  prepared.change.table = std::move(table);
  prepared.change.decide = [condition = std::make_shared<std::optional<Condition>>(std::move(
                                common->condition))](const json::object* current) -> Decision {
    if (!Holds(*condition, current)) return ConditionalCheckFailed();
    if (current == nullptr) return ChangeOutcome{};
    return ChangeOutcome{ChangeOutcome::Kind::kDelete, nullptr};
  };
  return prepared;
}

absl::StatusOr<PreparedChange> PrepareConditionCheck(std::shared_ptr<const TableSchema> table,
                                                     const json::object& part) {
  if (!part.contains("ConditionExpression")) return MissingParameter("conditionExpression");
  auto prepared = PrepareDelete(std::move(table), part, /*in_transaction=*/true);
  if (!prepared.ok()) return prepared.status();
  // The same checks as a delete, but the item stays as it is.
  auto check = prepared->change.decide;
  prepared->change.decide = [check](const json::object* current) -> Decision {
    auto outcome = check(current);
    if (!outcome.ok()) return outcome.status();
    return ChangeOutcome{};
  };
  return prepared;
}

absl::StatusOr<std::optional<Projection>> RequestProjection(const json::object& part,
                                                            Substitutions& substitutions) {
  if (auto status = CheckStyles(part); !status.ok()) return status;
  std::optional<Projection> projection;
  auto expression = OptionalString(part, "ProjectionExpression");
  if (!expression.ok()) return expression.status();
  if (*expression) {
    auto parsed = Projection::Parse(**expression, substitutions);
    if (!parsed.ok()) return parsed.status();
    projection = *std::move(parsed);
  } else if (const json::value* names = part.if_contains("AttributesToGet")) {
    auto parsed = Projection::FromAttributesToGet(*names);
    if (!parsed.ok()) return parsed.status();
    projection = *std::move(parsed);
  }
  return projection;
}

std::optional<json::object> ReturnedAttributes(const PreparedChange& prepared,
                                               const ChangeResult& result) {
  const std::string& mode = prepared.return_values;
  const json::object* source = nullptr;
  if (mode == "ALL_OLD" || mode == "UPDATED_OLD") source = result.old_item.get();
  if (mode == "ALL_NEW" || mode == "UPDATED_NEW") source = result.new_item.get();
  if (source == nullptr) return std::nullopt;
  if (mode == "ALL_OLD" || mode == "ALL_NEW") return *source;
  json::object updated;
  for (const std::string& name : prepared.updated_names) {
    if (const json::value* value = source->if_contains(name)) updated[name] = *value;
  }
  if (updated.empty()) return std::nullopt;
  return updated;
}

absl::Status FailureWithItem(const PreparedChange& prepared, const ChangeResult& result) {
  if (!prepared.return_old_on_failure || result.old_item == nullptr ||
      AwsErrorCode(result.status) != "ConditionalCheckFailedException") {
    return result.status;
  }
  return WithErrorDocument(result.status, "Item", json::serialize(*result.old_item));
}

}  // namespace serval::dynamodb
