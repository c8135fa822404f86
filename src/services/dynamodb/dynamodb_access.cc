#include "services/dynamodb/dynamodb_access.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "services/dynamodb/shard_iterator.h"

namespace serval::dynamodb {
namespace {

namespace json = boost::json;

// Where an operation's resource comes from.
enum class Resource {
  kNone,           // "*"
  kTable,          // TableName (a name or a table ARN)
  kTableOrIndex,   // TableName, and IndexName when given
  kResourceArn,    // ResourceArn, as given (tagging)
  kStreamArn,      // StreamArn, as given
  kShardIterator,  // the stream ARN inside ShardIterator
  kBatch,          // each table of RequestItems
  kTransactWrite,  // each (kind, table) of TransactItems
  kTransactGet,    // each table of TransactItems
};

struct Rule {
  std::string_view action;
  Resource resource;
};

// Every operation of the DynamoDB and DynamoDB Streams front ends (dynamodb_service.cc).
const absl::flat_hash_map<std::string_view, Rule>& Rules() {
  static const auto* kRules = new absl::flat_hash_map<std::string_view, Rule>{
      {"CreateTable", {"dynamodb:CreateTable", Resource::kTable}},
      {"DescribeTable", {"dynamodb:DescribeTable", Resource::kTable}},
      {"ListTables", {"dynamodb:ListTables", Resource::kNone}},
      {"UpdateTable", {"dynamodb:UpdateTable", Resource::kTable}},
      {"DeleteTable", {"dynamodb:DeleteTable", Resource::kTable}},
      {"UpdateTimeToLive", {"dynamodb:UpdateTimeToLive", Resource::kTable}},
      {"DescribeTimeToLive", {"dynamodb:DescribeTimeToLive", Resource::kTable}},
      {"TagResource", {"dynamodb:TagResource", Resource::kResourceArn}},
      {"UntagResource", {"dynamodb:UntagResource", Resource::kResourceArn}},
      {"ListTagsOfResource", {"dynamodb:ListTagsOfResource", Resource::kResourceArn}},
      {"DescribeEndpoints", {"dynamodb:DescribeEndpoints", Resource::kNone}},
      {"PutItem", {"dynamodb:PutItem", Resource::kTable}},
      {"GetItem", {"dynamodb:GetItem", Resource::kTable}},
      {"UpdateItem", {"dynamodb:UpdateItem", Resource::kTable}},
      {"DeleteItem", {"dynamodb:DeleteItem", Resource::kTable}},
      {"Query", {"dynamodb:Query", Resource::kTableOrIndex}},
      {"Scan", {"dynamodb:Scan", Resource::kTableOrIndex}},
      {"BatchWriteItem", {"dynamodb:BatchWriteItem", Resource::kBatch}},
      {"BatchGetItem", {"dynamodb:BatchGetItem", Resource::kBatch}},
      {"TransactWriteItems", {"", Resource::kTransactWrite}},  // per element
      {"TransactGetItems", {"dynamodb:GetItem", Resource::kTransactGet}},
      {"ListStreams", {"dynamodb:ListStreams", Resource::kNone}},
      {"DescribeStream", {"dynamodb:DescribeStream", Resource::kStreamArn}},
      {"GetShardIterator", {"dynamodb:GetShardIterator", Resource::kStreamArn}},
      {"GetRecords", {"dynamodb:GetRecords", Resource::kShardIterator}},
  };
  return *kRules;
}

// The action each kind of TransactWriteItems element asks for.
constexpr std::pair<std::string_view, std::string_view> kTransactWriteActions[] = {
    {"Put", "dynamodb:PutItem"},
    {"Update", "dynamodb:UpdateItem"},
    {"Delete", "dynamodb:DeleteItem"},
    {"ConditionCheck", "dynamodb:ConditionCheckItem"},
};

std::string_view StringMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  const json::string* text = value ? value->if_string() : nullptr;
  return text ? std::string_view(*text) : std::string_view();
}

// A table's ARN from its name, or the ARN a request gave instead of a name.
std::string TableArn(std::string_view name_or_arn, const AccountContext& account) {
  if (name_or_arn.starts_with("arn:")) return std::string(name_or_arn);
  return fmt::format("arn:aws:dynamodb:{}:{}:table/{}", account.region, account.account_id,
                     name_or_arn);
}

// Adds (action, table) unless the list has it already: AWS asks once per table.
void AddOnce(services::AccessRequests& requests, std::string_view action, std::string arn) {
  for (const iam::AccessRequest& request : requests) {
    if (request.action == action && request.resource == arn) return;
  }
  requests.push_back({.action = action, .resource = std::move(arn)});
}

// The table an element of TransactItems names under `kind` ("Put", "Get"...), or "".
std::string_view TransactTable(const json::object& element, std::string_view kind) {
  const json::value* part = element.if_contains(kind);
  const json::object* body = part ? part->if_object() : nullptr;
  return body ? StringMember(*body, "TableName") : std::string_view();
}

// TransactWriteItems: each element's action on its table; TransactGetItems: `get_action` on
// each element's table.
void AddTransactItems(const json::object& input, std::string_view get_action,
                      const AccountContext& account, services::AccessRequests& requests) {
  const json::value* value = input.if_contains("TransactItems");
  const json::array* items = value ? value->if_array() : nullptr;
  if (items == nullptr) return;
  for (const json::value& item : *items) {
    const json::object* element = item.if_object();
    if (element == nullptr) continue;
    if (!get_action.empty()) {
      const std::string_view table = TransactTable(*element, "Get");
      if (!table.empty()) AddOnce(requests, get_action, TableArn(table, account));
      continue;
    }
    for (const auto& [kind, action] : kTransactWriteActions) {
      const std::string_view table = TransactTable(*element, kind);
      if (!table.empty()) AddOnce(requests, action, TableArn(table, account));
    }
  }
}

}  // namespace

services::AccessRequests AccessRequestsFor(std::string_view operation, const json::object& input,
                                           const AccountContext& account) {
  services::AccessRequests requests;
  auto found = Rules().find(operation);
  if (found == Rules().end()) return requests;
  const Rule& rule = found->second;
  switch (rule.resource) {
    case Resource::kNone:
      requests.push_back({.action = rule.action, .resource = "*"});
      break;
    case Resource::kTable:
    case Resource::kTableOrIndex: {
      const std::string_view table = StringMember(input, "TableName");
      if (table.empty()) break;
      std::string arn = TableArn(table, account);
      const std::string_view index = rule.resource == Resource::kTableOrIndex
                                         ? StringMember(input, "IndexName")
                                         : std::string_view();
      if (!index.empty()) arn.append("/index/").append(index);
      requests.push_back({.action = rule.action, .resource = std::move(arn)});
      break;
    }
    case Resource::kResourceArn:
    case Resource::kStreamArn: {
      const std::string_view arn =
          StringMember(input, rule.resource == Resource::kStreamArn ? "StreamArn" : "ResourceArn");
      if (!arn.empty()) requests.push_back({.action = rule.action, .resource = std::string(arn)});
      break;
    }
    case Resource::kShardIterator: {
      absl::StatusOr<ShardPosition> position = DecodeIterator(StringMember(input, "ShardIterator"));
      if (position.ok()) {
        requests.push_back({.action = rule.action, .resource = std::move(position->stream_arn)});
      }
      break;
    }
    case Resource::kBatch: {
      const json::value* items = input.if_contains("RequestItems");
      const json::object* tables = items ? items->if_object() : nullptr;
      if (tables == nullptr) break;
      for (const auto& table : *tables) {
        AddOnce(requests, rule.action, TableArn(table.key(), account));
      }
      break;
    }
    case Resource::kTransactWrite:
    case Resource::kTransactGet:
      AddTransactItems(input, rule.action, account, requests);
      break;
  }
  return requests;
}

}  // namespace serval::dynamodb
