#include "iam/policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "common/text.h"
#include "iam/statement.h"

// Validation follows the order in which AWS IAM reports a document's first problem (as moto
// records it): syntax (shape, unknown fields, types), the version, "legacy parsing" (the Effect's
// case, dates, ARN shapes), Sid uniqueness, missing actions, missing resources, resource formats,
// action vendors; then what the document's kind forbids or requires.

namespace serval::iam {
namespace {

namespace json = boost::json;

using Strings = std::vector<std::string_view>;

absl::Status Malformed(std::string_view message) {
  return absl::InvalidArgumentError(std::string(message));
}
absl::Status Syntax() { return Malformed(kSyntaxErrors); }

constexpr std::string_view kVersion2012 = "2012-10-17";
constexpr std::string_view kVersion2008 = "2008-10-17";

constexpr std::string_view kIamPathPrefixes[] = {
    "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
    "server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/",
    "report/", "access-report/"};

bool IsStatementField(std::string_view name) {
  static constexpr std::string_view kFields[] = {"Sid",         "Effect",    "Action",
                                                 "NotAction",   "Resource",  "NotResource",
                                                 "Principal",   "NotPrincipal", "Condition"};
  return std::find(std::begin(kFields), std::end(kFields), name) != std::end(kFields);
}

// A string or a list of strings; false for anything else.
bool StringList(const json::value& value, Strings* out) {
  if (value.is_string()) {
    out->emplace_back(value.get_string());
    return true;
  }
  if (!value.is_array()) return false;
  for (const json::value& item : value.get_array()) {
    if (!item.is_string()) return false;
    out->emplace_back(item.get_string());
  }
  return true;
}

// A condition value: a scalar (strings as they are, numbers and booleans as JSON spells them) or
// a list of scalars.
bool ConditionValues(const json::value& value, std::vector<std::string>* out) {
  auto scalar = [out](const json::value& item) {
    if (item.is_string()) {
      out->emplace_back(item.get_string());
    } else if (item.is_bool() || item.is_number()) {
      out->push_back(json::serialize(item));
    } else {
      return false;
    }
    return true;
  };
  if (!value.is_array()) return scalar(value);
  return std::all_of(value.get_array().begin(), value.get_array().end(), scalar);
}

// A statement's raw elements, checked for shape.
struct RawStatement {
  const json::object* object = nullptr;
  std::string_view effect;
  Strings actions, resources;
  bool has_action = false, has_resource = false, has_principal = false;
  bool not_action = false, not_resource = false, not_principal = false;
};

absl::Status CheckSyntax(const json::object& statement, PolicyKind kind, RawStatement* raw) {
  raw->object = &statement;
  for (const auto& field : statement) {
    if (!IsStatementField(field.key())) return Syntax();
  }
  auto has = [&](std::string_view name) { return statement.contains(name); };
  if ((has("Resource") && has("NotResource")) || (has("Action") && has("NotAction")) ||
      (has("Principal") && has("NotPrincipal"))) {
    return Syntax();
  }
  const json::value* effect = statement.if_contains("Effect");
  if (effect == nullptr || !effect->is_string() ||
      (!EqualsIgnoreCase(effect->get_string(), "Allow") &&
       !EqualsIgnoreCase(effect->get_string(), "Deny"))) {
    return Syntax();
  }
  raw->effect = effect->get_string();
  if (const json::value* sid = statement.if_contains("Sid"); sid && !sid->is_string()) {
    return Syntax();
  }
  raw->not_action = has("NotAction");
  if (const json::value* actions = statement.if_contains(raw->not_action ? "NotAction" : "Action")) {
    raw->has_action = true;
    if (!StringList(*actions, &raw->actions)) return Syntax();
  }
  raw->not_resource = has("NotResource");
  if (const json::value* resources =
          statement.if_contains(raw->not_resource ? "NotResource" : "Resource")) {
    raw->has_resource = true;
    if (!StringList(*resources, &raw->resources)) return Syntax();
  }
  raw->not_principal = has("NotPrincipal");
  raw->has_principal = raw->not_principal || has("Principal");
  if (const json::value* condition = statement.if_contains("Condition")) {
    if (!condition->is_object()) return Syntax();
    for (const auto& block : condition->get_object()) {
      if (!block.value().is_object()) return Syntax();
      std::vector<std::string> values;
      for (const auto& entry : block.value().get_object()) {
        if (!ConditionValues(entry.value(), &values)) return Syntax();
      }
      if (!block.value().get_object().empty() && !Condition::KnownOperator(block.key())) {
        return Syntax();
      }
    }
  }
  // AWS reports a principal in an identity policy with its own message, before the rest.
  if (kind == PolicyKind::kIdentity && raw->has_principal) {
    return Malformed("Policy document should not specify a principal.");
  }
  return absl::OkStatus();
}

// The first format problem of a Resource value, as AWS words it; empty when there is none.
std::string ResourceFormatError(std::string_view resource) {
  if (resource == "*") return "";
  const std::vector<std::string_view> parts = SplitOn(resource, ':');
  if (parts.size() < 2) {
    return "Resource " + std::string(resource) + " must be in ARN format or \"*\".";
  }
  const std::string_view partition = parts[1];
  if (partition != "aws" && partition != "aws-cn" && partition != "aws-us-gov" &&
      partition != "*") {
    auto part = [&](size_t i) {
      return std::string(i < parts.size() && !parts[i].empty() ? parts[i] : "*");
    };
    std::string rest = part(5);
    for (size_t i = 6; i < parts.size(); ++i) rest += ":" + std::string(parts[i]);
    return "Partition \"" + std::string(partition) + "\" is not valid for resource \"arn:" +
           std::string(partition) + ":" + part(2) + ":" + part(3) + ":" + part(4) + ":" + rest +
           "\".";
  }
  if (parts.size() < 3 || parts[2].empty() ||
      parts[2].find_first_of("*?") != std::string_view::npos) {
    return "Resource vendor must be fully qualified and cannot contain regexes.";
  }
  const std::string_view service = parts[2];
  const bool has_region = parts.size() > 3 && !parts[3].empty();
  if (service == "iam" && has_region) {
    return "IAM resource " + std::string(resource) + " cannot contain region information.";
  }
  if (service == "s3" && has_region) {
    return "Resource " + std::string(resource) + " can not contain region information.";
  }
  if (service == "iam" && parts.size() > 5) {
    size_t start = 0;
    for (int colon = 0; colon < 5; ++colon) start = resource.find(':', start) + 1;
    const std::string_view path = resource.substr(start);
    const bool valid = path == "*" || std::any_of(std::begin(kIamPathPrefixes),
                                                  std::end(kIamPathPrefixes),
                                                  [&](std::string_view p) {
                                                    return path.starts_with(p);
                                                  });
    if (!valid) {
      std::string list;
      for (std::string_view prefix : kIamPathPrefixes) {
        list += (list.empty() ? "" : ", ") + std::string(prefix);
      }
      return "IAM resource path must either be \"*\" or start with " + list + ".";
    }
  }
  return "";
}

// AWS's older parser refuses an ARN with "::" and fewer than six segments, or without a service.
bool PassesLegacyArnParsing(std::string_view resource) {
  if (resource == "*") return true;
  const std::vector<std::string_view> parts = SplitOn(resource, ':');
  if (parts.size() < 6 && resource.find("::") != std::string_view::npos) return false;
  return parts.size() < 3 || !parts[2].empty();
}

absl::Status CheckActionVendor(std::string_view action) {
  const size_t colons = std::count(action.begin(), action.end(), ':');
  if (colons == 0 && action != "*") {
    return Malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
  }
  if (colons > 1) return Malformed("Actions/Condition can contain only one colon.");
  const std::string_view vendor = action.substr(0, action.find(':'));
  const bool valid = vendor == "*" || std::all_of(vendor.begin(), vendor.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '-' || c == '.';
                     });
  if (!valid) return Malformed("Vendor " + std::string(vendor) + " is not valid");
  return absl::OkStatus();
}

bool IsTrustAction(std::string_view action) {
  return action == "*" || StartsWithIgnoreCase(action, "sts:");
}

absl::StatusOr<Statement> Compile(const RawStatement& raw, bool variables) {
  Statement statement;
  const json::object& object = *raw.object;
  if (const json::value* sid = object.if_contains("Sid")) statement.sid = sid->get_string();
  statement.allow = raw.effect == "Allow";
  statement.not_action = raw.not_action;
  for (std::string_view action : raw.actions) {
    absl::StatusOr<Pattern> pattern =
        Pattern::Compile(action, {.wildcards = true, .ignore_case = true});
    if (!pattern.ok()) return Syntax();
    statement.actions.push_back(*std::move(pattern));
  }
  statement.not_resource = raw.not_resource;
  for (std::string_view resource : raw.resources) {
    absl::StatusOr<Pattern> pattern = Pattern::Compile(
        resource, {.wildcards = true, .variables = variables, .arn_segments = true});
    if (!pattern.ok()) return Syntax();
    statement.resources.push_back(*std::move(pattern));
  }
  if (raw.has_principal) {
    statement.not_principal = raw.not_principal;
    absl::StatusOr<PrincipalSet> principals =
        PrincipalSet::Compile(object.at(raw.not_principal ? "NotPrincipal" : "Principal"));
    if (!principals.ok()) return principals.status();
    statement.principals = *std::move(principals);
  }
  if (const json::value* condition = object.if_contains("Condition")) {
    for (const auto& block : condition->get_object()) {
      for (const auto& entry : block.value().get_object()) {
        std::vector<std::string> values;
        ConditionValues(entry.value(), &values);
        if (entry.key().find(':') == json::string_view::npos) {
          return Malformed(
              "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
        }
        absl::StatusOr<Condition> compiled =
            Condition::Compile(block.key(), entry.key(), values, variables);
        if (!compiled.ok()) return compiled.status();
        statement.conditions.push_back(*std::move(compiled));
      }
    }
  }
  return statement;
}

}  // namespace

PolicyDocument::PolicyDocument()
    : statements_(std::make_shared<const std::vector<Statement>>()),
      text_(std::make_shared<const std::string>()) {}

size_t NonWhitespaceLength(std::string_view text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return !IsBlank(c); });
}

absl::StatusOr<PolicyDocument> ParsePolicy(std::string_view text, PolicyKind kind) {
  json::error_code ec;
  const json::value parsed = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec || !parsed.is_object()) return Syntax();
  const json::object& top = parsed.get_object();
  for (const auto& field : top) {
    if (field.key() != "Version" && field.key() != "Id" && field.key() != "Statement") {
      return Syntax();
    }
  }
  std::string_view version;
  if (const json::value* value = top.if_contains("Version")) {
    if (!value->is_string()) return Syntax();
    version = value->get_string();
    if (version != kVersion2012 && version != kVersion2008) return Syntax();
  }
  if (const json::value* id = top.if_contains("Id"); id && !id->is_string()) return Syntax();
  const json::value* list = top.if_contains("Statement");
  if (list == nullptr) return Syntax();
  std::vector<RawStatement> raws;
  auto add = [&](const json::value& item) -> absl::Status {
    if (!item.is_object()) return Syntax();
    raws.emplace_back();
    return CheckSyntax(item.get_object(), kind, &raws.back());
  };
  if (list->is_object()) {
    if (absl::Status status = add(*list); !status.ok()) return status;
  } else if (list->is_array() && !list->get_array().empty()) {
    for (const json::value& item : list->get_array()) {
      if (absl::Status status = add(item); !status.ok()) return status;
    }
  } else {
    return Syntax();
  }
  if (kind == PolicyKind::kIdentity && version != kVersion2012) {
    return Malformed("Policy document must be version 2012-10-17 or greater.");
  }
  // Legacy parsing: the Effect's exact case and the shape of ARNs.
  std::string resource_error;
  for (const RawStatement& raw : raws) {
    if (raw.effect != "Allow" && raw.effect != "Deny") return Malformed(kLegacyParsingFailed);
    for (std::string_view resource : raw.resources) {
      if (resource_error.empty()) resource_error = ResourceFormatError(resource);
      if (!PassesLegacyArnParsing(resource)) return Malformed(kLegacyParsingFailed);
    }
  }
  if (kind != PolicyKind::kResource) {
    std::set<std::string_view> sids;
    for (const RawStatement& raw : raws) {
      const json::value* sid = raw.object->if_contains("Sid");
      if (sid == nullptr || sid->get_string().empty()) continue;
      if (!sids.insert(sid->get_string()).second) {
        return Malformed("Statement IDs (SID) in a single policy must be unique.");
      }
    }
  }
  for (const RawStatement& raw : raws) {
    if (!raw.has_action || raw.actions.empty()) {
      return Malformed("Policy statement must contain actions.");
    }
  }
  for (const RawStatement& raw : raws) {
    if (kind == PolicyKind::kTrust && raw.has_resource) {
      return Malformed(raw.not_resource ? "Has prohibited field NotResource"
                                        : "Has prohibited field Resource");
    }
    if (kind != PolicyKind::kTrust && (!raw.has_resource || raw.resources.empty())) {
      return Malformed(kind == PolicyKind::kIdentity ? "Policy statement must contain resources."
                                                     : "Missing required field Resource");
    }
  }
  if (!resource_error.empty()) return Malformed(resource_error);
  for (const RawStatement& raw : raws) {
    for (std::string_view action : raw.actions) {
      if (absl::Status status = CheckActionVendor(action); !status.ok()) return status;
    }
  }
  for (const RawStatement& raw : raws) {
    if (kind != PolicyKind::kIdentity && !raw.has_principal) {
      return Malformed("Missing required field Principal");
    }
    if (kind == PolicyKind::kTrust && !std::all_of(raw.actions.begin(), raw.actions.end(),
                                                   IsTrustAction)) {
      return Malformed("AssumeRole policy may only specify STS AssumeRole actions.");
    }
  }
  auto statements = std::make_shared<std::vector<Statement>>();
  statements->reserve(raws.size());
  for (const RawStatement& raw : raws) {
    absl::StatusOr<Statement> statement = Compile(raw, version == kVersion2012);
    if (!statement.ok()) return statement.status();
    statements->push_back(*std::move(statement));
  }
  PolicyDocument document;
  document.statements_ = std::move(statements);
  document.text_ = std::make_shared<const std::string>(text);
  return document;
}

}  // namespace serval::iam
