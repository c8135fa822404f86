// Tags, resource-based policy statements and reserved concurrency: function metadata that does
// not change what runs.

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "absl/strings/ascii.h"
#include "common/aws_error.h"
#include "common/ids.h"
#include "common/json_fields.h"
#include "protocol/validation.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"
#include "services/lambda/lambda_service.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

constexpr size_t kMaxTags = 50;
// AWS keeps this many concurrent executions for functions without a reservation.
constexpr int kMinUnreservedConcurrency = 100;

absl::Status TagsOnlyOnFunctions() {
  return InvalidParameter("Tags are supported on functions only, not on versions or aliases");
}

// The Principal element of a statement, written as AWS normalizes it.
json::value PrincipalElement(const std::string& principal) {
  if (principal == "*") return json::value("*");
  if (principal.size() == 12 && std::all_of(principal.begin(), principal.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return json::object{{"AWS", "arn:aws:iam::" + principal + ":root"}};
  }
  if (principal.starts_with("arn:")) return json::object{{"AWS", principal}};
  return json::object{{"Service", principal}};
}

}  // namespace

LambdaService::Then LambdaService::Replying(int status, json::object body) {
  return [status, body = std::move(body)](Call& call) { call.Reply(status, body); };
}

LambdaService::Then LambdaService::ReplyingEmpty(int status) {
  return [status](Call& call) { call.ReplyEmpty(status); };
}

FunctionRegistry::Done LambdaService::Answer(Call call, Then then) {
  return [this, call = std::move(call), then = std::move(then)](absl::Status status) mutable {
    if (!status.ok()) return call.Fail(status);
    call.function = deps_.registry->Find(call.name);
    then(call);
  };
}

void LambdaService::UpdateMetadata(Call& call, const std::function<void(FunctionConfig&)>& change,
                                   Then then) {
  const FunctionRegistry::Function* function = deps_.registry->Find(call.name);
  if (!function) return call.Fail(FunctionNotFound(LambdaFunctionArn(deps_.account, call.name)));
  FunctionConfig updated = *function->latest.config;
  change(updated);
  deps_.registry->PutLatest(std::move(updated), Answer(std::move(call), std::move(then)));
}

void LambdaService::TagResource(Call& call) {
  if (!call.qualifier.empty()) return call.Fail(TagsOnlyOnFunctions());
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  const json::value* tags = body->if_contains("Tags");
  if (!tags || !tags->is_object()) {
    return call.Fail(InvalidRequestContent("Could not parse request body into json: Tags"));
  }
  std::map<std::string, std::string> merged = call.function->latest.config->tags;
  for (const auto& [key, value] : tags->get_object()) {
    if (!value.is_string()) {
      return call.Fail(InvalidRequestContent("Could not parse request body into json: Tags"));
    }
    const std::string tag_key(key);
    if (tag_key.empty() || tag_key.size() > 128 || value.get_string().size() > 256) {
      return call.Fail(
          ValidationError("Tag keys must be 1-128 characters and values at most "
                          "256 characters"));
    }
    if (tag_key.starts_with("aws:")) {
      return call.Fail(InvalidParameter("Tag keys beginning with 'aws:' are reserved"));
    }
    merged[tag_key] = std::string(value.get_string());
  }
  if (merged.size() > kMaxTags) {
    return call.Fail(InvalidParameter("A function can have at most 50 tags"));
  }
  UpdateMetadata(
      call, [&](FunctionConfig& config) { config.tags = merged; }, ReplyingEmpty(204));
}

void LambdaService::UntagResource(Call& call) {
  if (!call.qualifier.empty()) return call.Fail(TagsOnlyOnFunctions());
  const std::vector<std::string> keys = call.request.QueryParams("tagKeys");
  if (keys.empty()) {
    return call.Fail(protocol::MissingMember("tagKeys"));
  }
  UpdateMetadata(
      call,
      [&](FunctionConfig& config) {
        for (const std::string& key : keys) config.tags.erase(key);
      },
      ReplyingEmpty(204));
}

void LambdaService::ListTags(Call& call) {
  if (!call.qualifier.empty()) return call.Fail(TagsOnlyOnFunctions());
  json::object tags;
  for (const auto& [key, value] : call.function->latest.config->tags) tags[key] = value;
  call.Reply(200, json::object{{"Tags", std::move(tags)}});
}

void LambdaService::AddPermission(Call& call) {
  if (call.qualifier == kLatest) {
    return call.Fail(InvalidParameter("We currently do not support adding policies for $LATEST."));
  }
  if (!call.qualifier.empty() && !call.function->Version(call.qualifier) &&
      !call.function->aliases.count(call.qualifier)) {
    return call.Fail(FunctionNotFound(LambdaFunctionArn(deps_.account, call.name, call.qualifier)));
  }
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  const std::string sid = StringMember(*body, "StatementId");
  const std::string action = StringMember(*body, "Action");
  const std::string principal = StringMember(*body, "Principal");
  for (const auto& [field, value] : {std::pair{"statementId", &sid}, std::pair{"action", &action},
                                     std::pair{"principal", &principal}}) {
    if (value->empty()) {
      return call.Fail(protocol::MissingMember(field));
    }
  }
  const bool sid_ok = sid.size() <= 100 && std::all_of(sid.begin(), sid.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                      });
  const bool action_ok =
      action == "*" || (action.starts_with("lambda:") && action.size() > 7 &&
                        std::all_of(action.begin() + 7, action.end(), [](char c) {
                          return std::isalpha(static_cast<unsigned char>(c)) || c == '*';
                        }));
  // A principal is everyone, an account, an IAM ARN or an AWS service ("s3.amazonaws.com",
  // Alexa's "alexa-appkit.amazon.com").
  const bool principal_ok =
      principal == "*" || principal.starts_with("arn:") ||
      (principal.size() == 12 &&
       std::all_of(principal.begin(), principal.end(), absl::ascii_isdigit)) ||
      principal.ends_with(".amazonaws.com") || principal.ends_with(".amazonaws.com.cn") ||
      principal.ends_with(".amazon.com");
  if (sid_ok && action_ok && !principal_ok) {
    return call.Fail(
        InvalidParameter("The provided principal was invalid. Please check the principal and try "
                         "again."));
  }
  if (!sid_ok || !action_ok) {
    return call.Fail(protocol::ValidationFailed(sid_ok ? action : sid,
                                                sid_ok ? "action" : "statementId",
                                                "Member must satisfy regular expression pattern"));
  }
  const FunctionConfig& latest = *call.function->latest.config;
  const std::string revision = StringMember(*body, "RevisionId");
  if (!revision.empty() && revision != latest.revision_id) return call.Fail(RevisionMismatch());
  if (auto existing = latest.policies.find(call.qualifier);
      existing != latest.policies.end() && existing->second.Find(sid)) {
    return call.Fail(ResourceConflict(fmt::format(
        "The statement id ({}) provided already exists. Please provide a new statement id, or "
        "remove the existing statement.",
        sid)));
  }
  json::object statement;
  statement["Sid"] = sid;
  statement["Effect"] = "Allow";
  statement["Principal"] = PrincipalElement(principal);
  statement["Action"] = action;
  statement["Resource"] = LambdaFunctionArn(deps_.account, call.name, call.qualifier);
  json::object condition;
  if (auto arn = StringMember(*body, "SourceArn"); !arn.empty()) {
    condition["ArnLike"] = json::object{{"AWS:SourceArn", arn}};
  }
  json::object equals;
  if (auto account = StringMember(*body, "SourceAccount"); !account.empty()) {
    equals["AWS:SourceAccount"] = account;
  }
  if (auto org = StringMember(*body, "PrincipalOrgID"); !org.empty()) {
    equals["aws:PrincipalOrgID"] = org;
  }
  if (auto token = StringMember(*body, "EventSourceToken"); !token.empty()) {
    equals["lambda:EventSourceToken"] = token;
  }
  if (auto auth = StringMember(*body, "FunctionUrlAuthType"); !auth.empty()) {
    equals["lambda:FunctionUrlAuthType"] = auth;
  }
  if (!equals.empty()) condition["StringEquals"] = std::move(equals);
  if (!condition.empty()) statement["Condition"] = std::move(condition);
  std::string text = json::serialize(statement);
  const std::string qualifier = call.qualifier;
  UpdateMetadata(
      call, [&](FunctionConfig& config) { config.policies[qualifier].Put(sid, text); },
      Replying(201, json::object{{"Statement", text}}));
}

void LambdaService::GetPolicy(Call& call) {
  const FunctionConfig& latest = *call.function->latest.config;
  auto statements = latest.policies.find(call.qualifier);
  if (statements == latest.policies.end() || statements->second.empty()) {
    return call.Fail(AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                              "The resource you requested does not exist."));
  }
  // Policy is a JSON document inside a string, as AWS returns it.
  call.Reply(200, json::object{{"Policy", FunctionPolicyText(statements->second)},
                               {"RevisionId", latest.revision_id}});
}

void LambdaService::RemovePermission(Call& call) {
  const std::string& sid = call.Label("StatementId");
  const FunctionConfig& latest = *call.function->latest.config;
  auto statements = latest.policies.find(call.qualifier);
  if (statements == latest.policies.end() || statements->second.empty()) {
    return call.Fail(AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                              "No policy is associated with the given resource."));
  }
  if (!statements->second.Find(sid)) {
    return call.Fail(AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                              fmt::format("Statement {} is not found in resource policy.", sid)));
  }
  if (auto revision = call.request.QueryParam("RevisionId");
      revision && !revision->empty() && *revision != latest.revision_id) {
    return call.Fail(RevisionMismatch());
  }
  const std::string qualifier = call.qualifier;
  UpdateMetadata(
      call,
      [&](FunctionConfig& config) {
        auto& remaining = config.policies[qualifier];
        remaining.Remove(sid);
        if (remaining.empty()) config.policies.erase(qualifier);
      },
      ReplyingEmpty(204));
}

void LambdaService::PutConcurrency(Call& call) {
  if (!call.qualifier.empty()) {
    return call.Fail(InvalidParameter(
        "This operation is permitted on Lambda functions only. Aliases and versions do not "
        "support this operation. Please specify either a function name or an unqualified "
        "function ARN."));
  }
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  const json::value* value = body->if_contains("ReservedConcurrentExecutions");
  if (!value || !value->is_int64()) {
    return call.Fail(protocol::MissingMember("reservedConcurrentExecutions"));
  }
  const int64_t requested = value->get_int64();
  if (requested < 0) {
    return call.Fail(
        protocol::ValidationFailed(std::to_string(requested), "reservedConcurrentExecutions",
                                   "Member must have value greater than or equal to 0"));
  }
  int64_t reserved_elsewhere = 0;
  deps_.registry->ForEach([&](const FunctionRegistry::Function& function) {
    const FunctionConfig& config = *function.latest.config;
    if (config.name != call.name) reserved_elsewhere += config.reserved_concurrency.value_or(0);
  });
  if (reserved_elsewhere + requested >
      deps_.invoker->account_concurrency() - kMinUnreservedConcurrency) {
    return call.Fail(InvalidParameter(
        fmt::format("Specified ReservedConcurrentExecutions for function decreases account's "
                    "UnreservedConcurrentExecution below its minimum value of [{}].",
                    kMinUnreservedConcurrency)));
  }
  UpdateMetadata(
      call,
      [&](FunctionConfig& config) { config.reserved_concurrency = static_cast<int>(requested); },
      [this, requested](Call& call) {
        deps_.invoker->SetReservation(call.name, static_cast<int>(requested));
        call.Reply(200, json::object{{"ReservedConcurrentExecutions", requested}});
      });
}

void LambdaService::GetAccountSettings(Call& call) {
  int64_t reserved = 0;
  int64_t code_bytes = 0;
  int64_t functions = 0;
  deps_.registry->ForEach([&](const FunctionRegistry::Function& function) {
    reserved += function.latest.config->reserved_concurrency.value_or(0);
    code_bytes += function.latest.config->code_size;
    for (const auto& entry : function.versions) code_bytes += entry.second.config->code_size;
    ++functions;
  });
  const int64_t account = deps_.invoker->account_concurrency();
  // Lambda's default quotas; the concurrency is Serval's own limit.
  call.Reply(200,
             json::object{{"AccountLimit",
                           json::object{{"TotalCodeSize", int64_t{80530636800}},
                                        {"CodeSizeUnzipped", 262144000},
                                        {"CodeSizeZipped", 52428800},
                                        {"ConcurrentExecutions", account},
                                        {"UnreservedConcurrentExecutions", account - reserved}}},
                          {"AccountUsage", json::object{{"TotalCodeSize", code_bytes},
                                                        {"FunctionCount", functions}}}});
}

void LambdaService::GetConcurrency(Call& call) {
  json::object out;
  if (auto reserved = call.function->latest.config->reserved_concurrency) {
    out["ReservedConcurrentExecutions"] = *reserved;
  }
  call.Reply(200, out);
}

void LambdaService::DeleteConcurrency(Call& call) {
  UpdateMetadata(
      call, [](FunctionConfig& config) { config.reserved_concurrency.reset(); },
      [this](Call& call) {
        deps_.invoker->SetReservation(call.name, std::nullopt);
        call.ReplyEmpty(204);
      });
}

}  // namespace serval::lambda
