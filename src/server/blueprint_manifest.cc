#include "server/blueprint_manifest.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <regex>
#include <set>

#include "server/template_string.h"

namespace serval::server {
namespace {

namespace json = boost::json;

absl::Status Invalid(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", where, what));
}

// What each Type takes; every other property is refused, so that a misspelt one is not silently
// ignored.
struct TypeSchema {
  ResourceType type;
  std::string_view name;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
  std::vector<std::string_view> one_of;  // exactly one of these is given
};

const std::vector<TypeSchema>& Schemas() {
  static const auto* schemas = new std::vector<TypeSchema>{
      {ResourceType::kBucket, "Bucket", {"BucketName"}, {}},
      {ResourceType::kTopic, "Topic", {"Name"}, {"Policy", "Attributes"}},
      {ResourceType::kFunction,
       "Function",
       {"FunctionName", "Code", "Role"},
       {"Runtime", "Handler", "MemorySize", "Timeout", "Description", "Environment"}},
      {ResourceType::kPermission,
       "Permission",
       {"FunctionName", "StatementId", "Action", "Principal"},
       {"SourceArn", "SourceAccount"}},
      {ResourceType::kSubscription,
       "Subscription",
       {"TopicArn", "Protocol", "Endpoint"},
       {"Attributes"}},
      {ResourceType::kBucketNotification,
       "BucketNotification",
       {"Bucket", "NotificationConfiguration"},
       {}},
      {ResourceType::kRestApi,
       "RestApi",
       {"Name", "StageName"},
       {"StageVariables", "FailOnWarnings", "Placeholders"},
       {"Body", "BodyFile"}},
      {ResourceType::kTable,
       "Table",
       {"TableName", "AttributeDefinitions", "KeySchema"},
       {"BillingMode", "ProvisionedThroughput", "GlobalSecondaryIndexes", "LocalSecondaryIndexes",
        "StreamSpecification"}},
      {ResourceType::kLogSubscription,
       "LogSubscription",
       {"LogGroupName", "FilterName", "FilterPattern", "DestinationArn"},
       {"Distribution"}},
      {ResourceType::kRole,
       "Role",
       {"RoleName", "AssumeRolePolicyDocument"},
       {"Path", "Description", "Policies", "ManagedPolicyArns"}},
      {ResourceType::kManagedPolicy, "ManagedPolicy", {"PolicyName", "PolicyDocument"}, {"Path"}},
      {ResourceType::kRule,
       "Rule",
       {"Name"},
       {"State", "Description", "Targets"},
       {"ScheduleExpression", "EventPattern"}},
  };
  return *schemas;
}

const TypeSchema* SchemaNamed(std::string_view name) {
  for (const TypeSchema& schema : Schemas()) {
    if (schema.name == name) return &schema;
  }
  return nullptr;
}

bool IsIdentifier(std::string_view name) {
  return !name.empty() && std::isalpha(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

std::string StringOr(const json::object& object, std::string_view key, std::string fallback = {}) {
  const json::value* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : fallback;
}

absl::StatusOr<std::vector<std::string>> ListItems(std::string_view text, std::string_view where) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) {
      item.remove_prefix(1);
    }
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) {
      item.remove_suffix(1);
    }
    if (item.empty()) return Invalid(where, fmt::format("\"{}\" has an empty item", text));
    items.emplace_back(item);
    if (comma == text.size()) return items;
    start = comma + 1;
  }
}

absl::StatusOr<Parameter> ParseParameter(std::string_view name, const json::value& value) {
  const std::string where = fmt::format("Parameters.{}", name);
  if (!IsIdentifier(name)) return Invalid(where, "a parameter name is letters and digits");
  if (!value.is_object()) return Invalid(where, "must be an object");
  const json::object& object = value.get_object();
  for (const auto& [key, ignored] : object) {
    static const std::set<std::string_view> kKnown = {"Type", "Default", "AllowedPattern",
                                                      "ConstraintDescription", "Description"};
    if (!kKnown.count(key)) return Invalid(where, fmt::format("unknown field {}", key));
  }
  Parameter parameter{.name = std::string(name)};
  const std::string type = StringOr(object, "Type", "String");
  if (type != "String" && type != "CommaDelimitedList") {
    return Invalid(where, fmt::format("Type {} is not String or CommaDelimitedList", type));
  }
  parameter.is_list = type == "CommaDelimitedList";
  parameter.allowed_pattern = StringOr(object, "AllowedPattern");
  parameter.constraint_description = StringOr(object, "ConstraintDescription");
  parameter.description = StringOr(object, "Description");
  if (!parameter.allowed_pattern.empty()) {
    try {
      std::regex check(parameter.allowed_pattern);
    } catch (const std::regex_error&) {
      return Invalid(where, "AllowedPattern is not a regular expression");
    }
  }
  if (const json::value* fallback = object.if_contains("Default")) {
    if (fallback->is_string() && parameter.is_list) {
      auto items = ListItems(fallback->get_string(), where + ".Default");
      if (!items.ok()) return items.status();
      parameter.default_value = *std::move(items);
    } else if (fallback->is_string()) {
      parameter.default_value = std::vector<std::string>{std::string(fallback->get_string())};
    } else if (fallback->is_array() && parameter.is_list) {
      std::vector<std::string> items;
      for (const json::value& item : fallback->get_array()) {
        if (!item.is_string() || item.get_string().empty()) {
          return Invalid(where, "Default items must be non-empty strings");
        }
        items.emplace_back(item.get_string());
      }
      if (items.empty()) return Invalid(where, "Default must have at least one item");
      parameter.default_value = std::move(items);
    } else {
      return Invalid(where, parameter.is_list ? "Default must be a string or a list of strings"
                                              : "Default must be a string");
    }
  }
  return parameter;
}

absl::Status CheckAllowed(const Parameter& parameter, const std::vector<std::string>& values) {
  if (parameter.allowed_pattern.empty()) return absl::OkStatus();
  const std::regex pattern(parameter.allowed_pattern);
  for (const std::string& value : values) {
    if (!std::regex_match(value, pattern)) {
      return absl::InvalidArgumentError(
          fmt::format("parameter {}: \"{}\" {}", parameter.name, value,
                      parameter.constraint_description.empty()
                          ? fmt::format("does not match {}", parameter.allowed_pattern)
                          : parameter.constraint_description));
    }
  }
  return absl::OkStatus();
}

// Every string inside `value`, for reference checks.
void CollectStrings(const json::value& value, std::vector<std::string_view>* out) {
  if (value.is_string()) {
    out->push_back(value.get_string());
  } else if (value.is_array()) {
    for (const json::value& item : value.get_array()) CollectStrings(item, out);
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.get_object()) CollectStrings(item, out);
  }
}

// Expands a list of resources within one scope (the top level, or one ForEach iteration).
class Planner {
 public:
  Planner(const Manifest& manifest, const ParameterValues& values, std::string_view region)
      : manifest_(manifest), values_(values) {
    for (const Parameter& parameter : manifest.parameters) {
      if (!parameter.is_list) base_variables_[parameter.name] = values.at(parameter.name).front();
    }
    base_variables_["AWS::Region"] = std::string(region);
  }

  absl::StatusOr<std::vector<PlannedResource>> Plan() {
    std::vector<PlannedResource> out;
    std::set<std::string> ids;
    if (absl::Status status =
            PlanList(manifest_.resources, "Resources", base_variables_, "", ids, &out);
        !status.ok()) {
      return status;
    }
    return out;
  }

 private:
  bool IsListParameter(std::string_view name) const {
    return std::any_of(manifest_.parameters.begin(), manifest_.parameters.end(),
                       [&](const Parameter& p) { return p.is_list && p.name == name; });
  }

  // `ids` are the ids visible here (outer scopes' and this one's so far); a nested scope gets a
  // copy, so its ids do not leak out.
  absl::Status PlanList(const json::array& resources, const std::string& path,
                        const std::map<std::string, std::string>& variables,
                        const std::string& iteration, std::set<std::string> ids,
                        std::vector<PlannedResource>* out) {
    std::set<std::string> own_ids;
    for (size_t i = 0; i < resources.size(); ++i) {
      const std::string where = fmt::format("{}[{}]{}", path, i, iteration);
      const std::string item_path = fmt::format("{}[{}]", path, i);
      if (!resources[i].is_object()) return Invalid(where, "must be an object");
      const json::object& item = resources[i].get_object();
      if (item.contains("ForEach")) {
        if (auto status = PlanForEach(item, item_path, where, variables, iteration, ids, out);
            !status.ok()) {
          return status;
        }
        continue;
      }
      auto planned = PlanOne(item, where, variables, ids);
      if (!planned.ok()) return planned.status();
      if (!planned->id.empty()) {
        if (!own_ids.insert(planned->id).second) {
          return Invalid(where, fmt::format("Id {} is used twice", planned->id));
        }
        ids.insert(planned->id);
      }
      out->push_back(*std::move(planned));
    }
    return absl::OkStatus();
  }

  absl::Status PlanForEach(const json::object& item, const std::string& item_path,
                           const std::string& where,
                           const std::map<std::string, std::string>& variables,
                           const std::string& iteration, const std::set<std::string>& ids,
                           std::vector<PlannedResource>* out) {
    for (const auto& [key, ignored] : item) {
      if (key != "ForEach" && key != "As" && key != "Resources") {
        return Invalid(where, fmt::format("unknown field {} in a ForEach", key));
      }
    }
    const std::string list = StringOr(item, "ForEach");
    const std::string as = StringOr(item, "As");
    if (!IsListParameter(list)) {
      return Invalid(where, fmt::format("ForEach must name a CommaDelimitedList parameter, not "
                                        "\"{}\"",
                                        list));
    }
    if (!IsIdentifier(as))
      return Invalid(where, "As must name the loop variable (letters, digits)");
    if (variables.count(as)) return Invalid(where, fmt::format("As {} hides a variable", as));
    const json::value* nested = item.if_contains("Resources");
    if (!nested || !nested->is_array() || nested->get_array().empty()) {
      return Invalid(where, "a ForEach needs a non-empty Resources list");
    }
    for (const std::string& value : values_.at(list)) {
      std::map<std::string, std::string> inner = variables;
      inner[as] = value;
      const std::string inner_iteration = fmt::format("{} ({}={})", iteration, as, value);
      if (auto status = PlanList(nested->get_array(), item_path + ".Resources", inner,
                                 inner_iteration, ids, out);
          !status.ok()) {
        return status;
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<PlannedResource> PlanOne(const json::object& item, const std::string& where,
                                          const std::map<std::string, std::string>& variables,
                                          const std::set<std::string>& ids) {
    for (const auto& [key, ignored] : item) {
      if (key != "Type" && key != "Id" && key != "Properties") {
        return Invalid(where,
                       fmt::format("unknown field {} (a resource has Type, Id, Properties)", key));
      }
    }
    const std::string type_name = StringOr(item, "Type");
    const TypeSchema* schema = SchemaNamed(type_name);
    if (!schema) {
      std::vector<std::string_view> names;
      for (const TypeSchema& known : Schemas()) names.push_back(known.name);
      return Invalid(
          where, fmt::format("Type \"{}\" is not one of {}", type_name, fmt::join(names, ", ")));
    }
    const std::string id = StringOr(item, "Id");
    if (item.contains("Id") && !IsIdentifier(id)) {
      return Invalid(where, "Id must be letters and digits");
    }
    const json::value* properties = item.if_contains("Properties");
    if (!properties || !properties->is_object()) {
      return Invalid(where, fmt::format("a {} needs Properties (an object)", type_name));
    }
    const json::object& props = properties->get_object();
    for (std::string_view required : schema->required) {
      if (!props.contains(required)) {
        return Invalid(where, fmt::format("a {} needs {}", type_name, required));
      }
    }
    if (!schema->one_of.empty() &&
        std::count_if(schema->one_of.begin(), schema->one_of.end(),
                      [&](std::string_view name) { return props.contains(name); }) != 1) {
      return Invalid(where, fmt::format("a {} takes exactly one of {}", type_name,
                                        fmt::join(schema->one_of, ", ")));
    }
    for (const auto& property : props) {
      const std::string_view key = property.key();
      const auto known = [key](const std::vector<std::string_view>& names) {
        return std::find(names.begin(), names.end(), key) != names.end();
      };
      if (!known(schema->required) && !known(schema->optional) && !known(schema->one_of)) {
        return Invalid(where, fmt::format("a {} has no property {}", type_name, key));
      }
    }
    std::vector<std::string_view> strings;
    CollectStrings(*properties, &strings);
    for (std::string_view text : strings) {
      auto names = TemplateReferences(text);
      if (!names.ok()) return Invalid(where, std::string(names.status().message()));
      for (const std::string& name : *names) {
        if (variables.count(name)) continue;
        if (name.ends_with(".Arn")) {
          const std::string target = name.substr(0, name.size() - 4);
          if (ids.count(target) || target == id) continue;
          return Invalid(where, fmt::format("'${{{}}}' names no resource before it (Ids: {})", name,
                                            fmt::join(ids, ", ")));
        }
        if (IsListParameter(name)) {
          return Invalid(where,
                         fmt::format("'${{{}}}' is a list parameter: use it in a ForEach", name));
        }
        return Invalid(where, fmt::format("unknown '${{{}}}'", name));
      }
    }
    return PlannedResource{.type = schema->type,
                           .id = id,
                           .where = fmt::format("{} ({})", where, type_name),
                           .properties = props,
                           .variables = variables};
  }

  const Manifest& manifest_;
  const ParameterValues& values_;
  std::map<std::string, std::string> base_variables_;
};

}  // namespace

std::string_view ResourceTypeName(ResourceType type) {
  for (const TypeSchema& schema : Schemas()) {
    if (schema.type == type) return schema.name;
  }
  return "?";
}

absl::StatusOr<Manifest> ParseManifest(std::string_view text) {
  boost::system::error_code ec;
  json::value document = json::parse(text, ec);
  if (ec) return absl::InvalidArgumentError(fmt::format("not JSON: {}", ec.message()));
  if (!document.is_object()) return absl::InvalidArgumentError("not a JSON object");
  const json::object& root = document.get_object();
  for (const auto& [key, ignored] : root) {
    if (key != "Description" && key != "Parameters" && key != "Resources") {
      return absl::InvalidArgumentError(
          fmt::format("unknown field {} (a manifest has Description, Parameters, Resources)", key));
    }
  }
  Manifest manifest;
  manifest.description = StringOr(root, "Description");
  if (const json::value* parameters = root.if_contains("Parameters")) {
    if (!parameters->is_object()) return absl::InvalidArgumentError("Parameters: not an object");
    for (const auto& [name, value] : parameters->get_object()) {
      auto parameter = ParseParameter(name, value);
      if (!parameter.ok()) return parameter.status();
      manifest.parameters.push_back(*std::move(parameter));
    }
  }
  const json::value* resources = root.if_contains("Resources");
  if (!resources || !resources->is_array() || resources->get_array().empty()) {
    return absl::InvalidArgumentError("Resources: a non-empty list is required");
  }
  manifest.resources = resources->get_array();
  return manifest;
}

absl::StatusOr<ParameterValues> ResolveParameters(const Manifest& manifest,
                                                  const std::vector<std::string>& overrides) {
  std::map<std::string, std::string> given;
  for (const std::string& assignment : overrides) {
    const size_t equals = assignment.find('=');
    if (equals == std::string::npos) {
      return absl::InvalidArgumentError(
          fmt::format("--parameter \"{}\" is not NAME=VALUE", assignment));
    }
    given[assignment.substr(0, equals)] = assignment.substr(equals + 1);
  }
  ParameterValues values;
  for (const Parameter& parameter : manifest.parameters) {
    std::vector<std::string> value;
    if (auto it = given.find(parameter.name); it != given.end()) {
      if (parameter.is_list) {
        auto items = ListItems(it->second, "parameter " + parameter.name);
        if (!items.ok()) return items.status();
        value = *std::move(items);
      } else {
        value = {it->second};
      }
      given.erase(it);
    } else if (parameter.default_value) {
      value = *parameter.default_value;
    } else {
      return absl::InvalidArgumentError(
          fmt::format("parameter {} has no default: pass --parameter {}=VALUE", parameter.name,
                      parameter.name));
    }
    if (auto status = CheckAllowed(parameter, value); !status.ok()) return status;
    values[parameter.name] = std::move(value);
  }
  if (!given.empty()) {
    std::vector<std::string_view> names;
    for (const Parameter& parameter : manifest.parameters) names.push_back(parameter.name);
    return absl::InvalidArgumentError(
        fmt::format("unknown parameter {} (this blueprint has: {})", given.begin()->first,
                    names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
  }
  return values;
}

absl::StatusOr<std::vector<PlannedResource>> PlanResources(const Manifest& manifest,
                                                           const ParameterValues& values,
                                                           std::string_view region) {
  for (const Parameter& parameter : manifest.parameters) {
    if (!values.count(parameter.name)) {
      return absl::InvalidArgumentError("no value for parameter " + parameter.name);
    }
  }
  return Planner(manifest, values, region).Plan();
}

absl::StatusOr<json::value> MapJsonStrings(
    const json::value& value,
    const std::function<absl::StatusOr<std::string>(std::string_view text)>& edit) {
  if (value.is_string()) {
    auto text = edit(value.get_string());
    if (!text.ok()) return text.status();
    return json::value(*std::move(text));
  }
  if (value.is_array()) {
    json::array out;
    for (const json::value& item : value.get_array()) {
      auto edited = MapJsonStrings(item, edit);
      if (!edited.ok()) return edited.status();
      out.push_back(*std::move(edited));
    }
    return json::value(std::move(out));
  }
  if (value.is_object()) {
    json::object out;
    for (const auto& [key, item] : value.get_object()) {
      auto edited = MapJsonStrings(item, edit);
      if (!edited.ok()) return edited.status();
      out[key] = *std::move(edited);
    }
    return json::value(std::move(out));
  }
  return value;
}

absl::StatusOr<json::value> SubstituteJson(
    const json::value& value,
    const std::function<std::optional<std::string>(std::string_view name)>& lookup) {
  return MapJsonStrings(value,
                        [&](std::string_view text) { return SubstituteTemplate(text, lookup); });
}

}  // namespace serval::server
