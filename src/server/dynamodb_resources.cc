// Table resources (resource_appliers.h), through DynamoDB's JSON API (awsJson 1.0).

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "common/json_fields.h"
#include "server/resource_appliers.h"

namespace serval::server {
namespace {

namespace json = boost::json;

// CreateTable's members a Table takes (blueprint_manifest.cc lists the same), sent as written.
constexpr std::string_view kCreateKeys[] = {"TableName",
                                            "AttributeDefinitions",
                                            "KeySchema",
                                            "BillingMode",
                                            "ProvisionedThroughput",
                                            "GlobalSecondaryIndexes",
                                            "LocalSecondaryIndexes",
                                            "StreamSpecification"};

// One DynamoDB operation; the response whatever its status.
absl::StatusOr<http::Response> Call(const AwsApi& api, std::string_view operation,
                                    const json::object& input) {
  return api.Json("dynamodb", "1.0", "DynamoDB_20120810", operation, input);
}

// DescribeTable's Table, or nullopt when there is no such table.
absl::StatusOr<std::optional<json::object>> Describe(const AwsApi& api, const std::string& name) {
  auto response = Call(api, "DescribeTable", {{"TableName", name}});
  if (!response.ok()) return response.status();
  if (response->status == 400 && AwsErrorCode(*response) == "ResourceNotFoundException") {
    return std::nullopt;
  }
  if (auto status = Expect2xx("DescribeTable " + name, response); !status.ok()) return status;
  auto body = JsonObjectOf(*response, "DescribeTable");
  if (!body.ok()) return body.status();
  const json::value* table = body->if_contains("Table");
  if (!table || !table->is_object()) return absl::InternalError("DescribeTable: no Table");
  return table->get_object();
}

// Waits until the table and its indexes are ACTIVE (what the AWS CLI's table-exists waiter
// reads, plus the indexes, which a PutItem right after deploy would otherwise race); returns
// the table as DescribeTable then shows it.
absl::StatusOr<json::object> WaitActive(const AwsApi& api, const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    auto table = Describe(api, name);
    if (!table.ok()) return table.status();
    if (!*table) return absl::FailedPreconditionError("table " + name + " vanished");
    bool active = StringMember(**table, "TableStatus") == "ACTIVE";
    if (const json::value* indexes = (*table)->if_contains("GlobalSecondaryIndexes");
        indexes && indexes->is_array()) {
      for (const json::value& index : indexes->get_array()) {
        if (index.is_object() && StringMember(index.get_object(), "IndexStatus") != "ACTIVE") {
          active = false;
        }
      }
    }
    if (active) return **std::move(table);
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          fmt::format("table {} is still {}", name, StringMember(**table, "TableStatus")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// "keyName S HASH, at N RANGE": the key of a table or of a manifest's Table, from its KeySchema
// and the AttributeDefinitions of the key's attributes (comparable text, and what errors say).
std::string KeyOf(const json::object& table) {
  std::map<std::string, std::string> types;
  if (const json::value* definitions = table.if_contains("AttributeDefinitions");
      definitions && definitions->is_array()) {
    for (const json::value& definition : definitions->get_array()) {
      if (!definition.is_object()) continue;
      types[StringMember(definition.get_object(), "AttributeName")] =
          StringMember(definition.get_object(), "AttributeType");
    }
  }
  std::vector<std::string> parts;
  if (const json::value* schema = table.if_contains("KeySchema"); schema && schema->is_array()) {
    for (const json::value& element : schema->get_array()) {
      if (!element.is_object()) continue;
      const std::string attribute = StringMember(element.get_object(), "AttributeName");
      parts.push_back(fmt::format("{} {} {}", attribute, types[attribute],
                                  StringMember(element.get_object(), "KeyType")));
    }
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

// The names of a table's (or a manifest's) indexes of one kind.
std::set<std::string> IndexNames(const json::object& table, std::string_view kind) {
  std::set<std::string> names;
  if (const json::value* indexes = table.if_contains(kind); indexes && indexes->is_array()) {
    for (const json::value& index : indexes->get_array()) {
      if (index.is_object()) names.insert(StringMember(index.get_object(), "IndexName"));
    }
  }
  return names;
}

std::optional<double> NumberOf(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (!value || !value->is_number()) return std::nullopt;
  return value->to_number<double>();
}

// The UpdateTable inputs that bring `table` to the billing and stream the manifest asks for,
// one change per call as DynamoDB wants it; none when it already has them.
std::vector<json::object> UpdatesFor(const json::object& wanted, const json::object& table,
                                     const std::string& name) {
  std::vector<json::object> updates;
  const std::string mode = wanted.contains("BillingMode")
                               ? StringMember(wanted, "BillingMode")
                               : std::string("PROVISIONED");  // CreateTable's default
  std::string current_mode = "PROVISIONED";
  if (const json::value* summary = table.if_contains("BillingModeSummary");
      summary && summary->is_object() &&
      !StringMember(summary->get_object(), "BillingMode").empty()) {
    current_mode = StringMember(summary->get_object(), "BillingMode");
  }
  bool same_billing = mode == current_mode;
  const json::value* throughput = wanted.if_contains("ProvisionedThroughput");
  const json::value* current = table.if_contains("ProvisionedThroughput");
  if (same_billing && mode == "PROVISIONED" && throughput && throughput->is_object()) {
    for (std::string_view units : {"ReadCapacityUnits", "WriteCapacityUnits"}) {
      same_billing &=
          current && current->is_object() &&
          NumberOf(throughput->get_object(), units) == NumberOf(current->get_object(), units);
    }
  }
  if (!same_billing) {
    json::object update{{"TableName", name}, {"BillingMode", mode}};
    if (mode == "PROVISIONED" && throughput) update["ProvisionedThroughput"] = *throughput;
    updates.push_back(std::move(update));
  }
  // A stream is compared by whether it is on and, if so, its view type.
  const auto stream_of = [](const json::object& object) -> std::string {
    const json::value* stream = object.if_contains("StreamSpecification");
    if (!stream || !stream->is_object()) return "off";
    const json::value* enabled = stream->get_object().if_contains("StreamEnabled");
    if (!enabled || !enabled->is_bool() || !enabled->get_bool()) return "off";
    return StringMember(stream->get_object(), "StreamViewType");
  };
  if (stream_of(wanted) != stream_of(table)) {
    json::object stream{{"StreamEnabled", stream_of(wanted) != "off"}};
    if (stream_of(wanted) != "off") stream["StreamViewType"] = stream_of(wanted);
    updates.push_back(json::object{{"TableName", name}, {"StreamSpecification", stream}});
  }
  return updates;
}

}  // namespace

absl::StatusOr<Applied> ApplyTable(ResourceProperties& properties, const DeployContext& context) {
  const AwsApi& api = *context.api;
  auto name = properties.String("TableName");
  if (!name.ok()) return name.status();
  json::object wanted;
  for (std::string_view key : kCreateKeys) {
    auto value = properties.Get(key);
    if (!value.ok()) return value.status();
    if (*value) wanted[key] = **value;
  }
  Applied applied{.name = *name, .outcome = "unchanged"};
  auto existing = Describe(api, *name);
  if (!existing.ok()) return existing.status();
  if (!*existing) {
    auto created = Call(api, "CreateTable", wanted);
    if (auto status = Expect2xx("CreateTable " + *name, created); !status.ok()) return status;
    auto table = WaitActive(api, *name);
    if (!table.ok()) return table.status();
    applied.outcome = "created";
    applied.arn = StringMember(*table, "TableArn");
    return applied;
  }
  const json::object& table = **existing;
  applied.arn = StringMember(table, "TableArn");
  // What UpdateTable cannot change, or deploy does not (indexes are one call each and may take
  // long to build; deploy never deletes): a difference stops the deploy rather than leave a
  // table that is not what the manifest says.
  if (KeyOf(wanted) != KeyOf(table)) {
    return absl::FailedPreconditionError(
        fmt::format("table {} exists with the key ({}), not ({}); a table's key cannot change: "
                    "delete the table (and its items) to deploy this one",
                    *name, KeyOf(table), KeyOf(wanted)));
  }
  for (std::string_view kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
    if (IndexNames(wanted, kind) != IndexNames(table, kind)) {
      return absl::FailedPreconditionError(fmt::format(
          "table {} exists with {} [{}], not [{}]; deploy creates indexes only with the table: "
          "change them with aws dynamodb update-table",
          *name, kind, fmt::join(IndexNames(table, kind), ", "),
          fmt::join(IndexNames(wanted, kind), ", ")));
    }
  }
  for (const json::object& update : UpdatesFor(wanted, table, *name)) {
    if (auto active = WaitActive(api, *name); !active.ok()) return active.status();
    auto updated = Call(api, "UpdateTable", update);
    if (auto status = Expect2xx("UpdateTable " + *name, updated); !status.ok()) return status;
    applied.outcome = "updated";
  }
  if (applied.outcome == "updated") {
    if (auto active = WaitActive(api, *name); !active.ok()) return active.status();
  }
  return applied;
}

}  // namespace serval::server
