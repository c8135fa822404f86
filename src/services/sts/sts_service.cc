#include "services/sts/sts_service.h"

#include <boost/json/object.hpp>
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "common/arn.h"
#include "common/aws_error.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/time_format.h"
#include "fmt/format.h"
#include "iam/authorizer.h"
#include "iam/identity_store.h"
#include "iam/policy.h"
#include "protocol/protocol.h"
#include "protocol/validation.h"
#include "protocol/xml.h"

namespace serval::sts {
namespace {

constexpr protocol::Protocol kProtocol = protocol::Protocol::kQuery;
constexpr std::string_view kNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";
constexpr std::string_view kValidationError = "ValidationError";
constexpr int64_t kMinDurationSeconds = 900;
constexpr int64_t kDefaultDurationSeconds = 3600;
// AssumeRole's model allows up to 12 hours (the role's MaxSessionDuration may allow less).
constexpr int64_t kAssumeRoleModelMaxSeconds = 43200;
// GetSessionToken's range: 15 minutes to 36 hours, 12 hours by default.
constexpr int64_t kSessionTokenMaxSeconds = 129600;
constexpr int64_t kSessionTokenDefaultSeconds = 43200;
// Role chaining (a role session assuming a role) is limited to an hour.
constexpr int64_t kChainedMaxSeconds = 3600;
// AssumeRole's Policy parameter, as the model bounds it.
constexpr size_t kMaxSessionPolicyChars = 2048;

absl::Status AccessDenied(std::string message) {
  return AwsError(absl::StatusCode::kPermissionDenied, "AccessDenied", message);
}

// [\w+=,.@-]*
bool IsSessionNameCharacter(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' ||
         c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
}

// DurationSeconds as the model constrains it: absent (nullopt), or an integer from 900 to
// `model_maximum` (a ValidationError otherwise, before anything else is checked).
absl::StatusOr<std::optional<int64_t>> ReadDuration(const protocol::QueryRequest& request,
                                                    int64_t model_maximum) {
  const std::optional<std::string> text = request.Get("DurationSeconds");
  if (!text.has_value()) return std::nullopt;
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(*text, &seconds)) {
    return AwsError(absl::StatusCode::kInvalidArgument, kValidationError,
                    fmt::format("Value '{}' for DurationSeconds is not a valid integer", *text));
  }
  if (seconds < kMinDurationSeconds || seconds > model_maximum) {
    return protocol::ValidationErrors()
        .Add(*text, "durationSeconds",
             seconds < kMinDurationSeconds
                 ? "Member must have value greater than or equal to 900"
                 : fmt::format("Member must have value less than or equal to {}", model_maximum))
        .ToStatus(kValidationError);
  }
  return seconds;
}

// AssumeRole's session policies: Policy (a policy document of at most 2048 characters) and
// PolicyArns (managed policies' ARNs, "PolicyArns.member.N.arn").
struct SessionPolicies {
  std::string policy;
  std::vector<std::string> arns;
};

absl::StatusOr<SessionPolicies> ReadSessionPolicies(const protocol::QueryRequest& request) {
  SessionPolicies policies;
  protocol::ValidationErrors errors;
  if (std::optional<std::string> policy = request.Get("Policy")) {
    if (policy->empty() || policy->size() > kMaxSessionPolicyChars) {
      errors.Add(*policy, "policy",
                 policy->empty() ? "Member must have length greater than or equal to 1"
                                 : "Member must have length less than or equal to 2048");
    }
    policies.policy = *std::move(policy);
  }
  for (auto& [index, member] : protocol::QueryMembers(request.parameters, "PolicyArns.member")) {
    std::string& arn = member["arn"];
    if (arn.size() < 20 || arn.size() > 2048) {
      errors.Add(arn, fmt::format("policyArns.{}.member.arn", index),
                 arn.size() < 20 ? "Member must have length greater than or equal to 20"
                                 : "Member must have length less than or equal to 2048");
    }
    policies.arns.push_back(std::move(arn));
  }
  if (!errors.empty()) return errors.ToStatus(kValidationError);
  if (!policies.policy.empty()) {
    absl::StatusOr<iam::PolicyDocument> parsed =
        iam::ParsePolicy(policies.policy, iam::PolicyKind::kIdentity);
    if (!parsed.ok()) {
      return AwsError(absl::StatusCode::kInvalidArgument, "MalformedPolicyDocument",
                      std::string(parsed.status().message()));
    }
  }
  return policies;
}

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> StsService::Create(
    const services::Platform& platform) {
  absl::StatusOr<std::unique_ptr<SessionStore>> sessions =
      SessionStore::Open(platform.metadata, platform.credentials, platform.authorizer,
                         RealClock::Instance().NowMillis());
  if (!sessions.ok()) return sessions.status();
  return std::unique_ptr<services::Service>(new StsService(platform, *std::move(sessions)));
}

StsService::StsService(const services::Platform& platform, std::unique_ptr<SessionStore> sessions)
    : platform_(platform), sessions_(std::move(sessions)) {}

const services::ServiceInfo& StsService::info() const {
  static const services::ServiceInfo kInfo{
      .name = "sts",
      .signing_name = "sts",
      .protocol = kProtocol,
      .claims_signed_requests = true,
  };
  return kInfo;
}

const absl::flat_hash_map<std::string, StsService::Operation>& StsService::Operations() {
  static const auto* kOperations = new absl::flat_hash_map<std::string, Operation>{
      {"GetCallerIdentity", &StsService::GetCallerIdentity},
      {"AssumeRole", &StsService::AssumeRole},
      {"GetSessionToken", &StsService::GetSessionToken},
  };
  return *kOperations;
}

void StsService::Handle(protocol::RequestContext context, http::Responder respond) {
  const std::string request_id = context.request_id;
  absl::StatusOr<protocol::QueryRequest> request = protocol::DecodeQuery(context.request);
  if (!request.ok()) return respond(protocol::ErrorResponse(kProtocol, request.status(), request_id));
  auto operation = Operations().find(request->action);
  if (operation == Operations().end()) {
    return respond(protocol::ErrorResponse(
        kProtocol, protocol::UnknownOperation(kProtocol, request->action), request_id));
  }
  Reply reply = [respond = std::move(respond), action = request->action,
                 request_id](absl::StatusOr<std::string> result) {
    if (!result.ok()) return respond(protocol::ErrorResponse(kProtocol, result.status(), request_id));
    respond(protocol::QueryResponse(action, kNamespace, *result, request_id));
  };
  (this->*(operation->second))(*request, context.caller, std::move(reply));
}

void StsService::AddStats(boost::json::object& stats) const {
  stats["sts_sessions"] = sessions_->size();
  stats["sts_sessions_issued"] = sessions_issued_;
}

std::string StsService::UserIdOf(const protocol::Caller& caller) const {
  const std::string_view arn = caller.principal_arn;
  if (arn.empty()) return platform_.account.account_id;
  const iam::IdentityStore* identities = platform_.identities;
  if (const size_t user = arn.find(":user/"); user != std::string_view::npos) {
    const iam::User* found = identities ? identities->FindUser(RoleNameOf(arn)) : nullptr;
    return found ? found->user_id : "";
  }
  // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION -> ROLE_ID:SESSION
  const std::string_view role_and_session = arn.substr(arn.find(":assumed-role/") + 14);
  const size_t slash = role_and_session.find('/');
  const std::string_view role_name = role_and_session.substr(0, slash);
  const iam::Role* role = identities ? identities->FindRole(role_name) : nullptr;
  // A function whose role IAM does not know still gets a stable id of the same shape.
  const std::string role_id =
      role ? role->role_id
           : "AROA" + absl::AsciiStrToUpper(absl::BytesToHexString(Sha256(role_name)).substr(0, 17));
  return fmt::format("{}:{}", role_id, role_and_session.substr(slash + 1));
}

void StsService::GetCallerIdentity(const protocol::QueryRequest&, const protocol::Caller& caller,
                                   Reply reply) {
  const std::string arn =
      caller.principal_arn.empty()
          ? fmt::format("arn:aws:iam::{}:root", platform_.account.account_id)
          : caller.principal_arn;
  protocol::XmlWriter xml;
  xml.Element("UserId", UserIdOf(caller))
      .Element("Account", platform_.account.account_id)
      .Element("Arn", arn);
  reply(xml.Take());
}

void StsService::AssumeRole(const protocol::QueryRequest& request, const protocol::Caller& caller,
                            Reply reply) {
  const std::optional<std::string> role_arn = request.Get("RoleArn");
  const std::optional<std::string> session_name = request.Get("RoleSessionName");
  protocol::ValidationErrors errors;
  if (!role_arn.has_value()) {
    errors.AddMissing("roleArn");
  } else if (role_arn->size() < 20 || role_arn->size() > 2048) {
    errors.Add(*role_arn, "roleArn",
               role_arn->size() < 20 ? "Member must have length greater than or equal to 20"
                                     : "Member must have length less than or equal to 2048");
  }
  if (!session_name.has_value()) {
    errors.AddMissing("roleSessionName");
  } else if (session_name->size() < 2 || session_name->size() > 64) {
    errors.Add(*session_name, "roleSessionName",
               session_name->size() < 2 ? "Member must have length greater than or equal to 2"
                                        : "Member must have length less than or equal to 64");
  } else if (!std::all_of(session_name->begin(), session_name->end(), IsSessionNameCharacter)) {
    errors.Add(*session_name, "roleSessionName",
               "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  }
  if (!errors.empty()) return reply(errors.ToStatus(kValidationError));
  absl::StatusOr<std::optional<int64_t>> duration =
      ReadDuration(request, kAssumeRoleModelMaxSeconds);
  if (!duration.ok()) return reply(duration.status());
  absl::StatusOr<SessionPolicies> session_policies = ReadSessionPolicies(request);
  if (!session_policies.ok()) return reply(session_policies.status());

  // The caller, and whether the role's trust policy lets it in. A role that does not exist is
  // refused exactly as one that does not trust the caller (AWS reveals nothing more).
  const iam::Authorizer::Identity& identity = platform_.authorizer->IdentityOf(caller);
  const std::string denied =
      fmt::format("User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                  identity.principal.arn, *role_arn);
  const iam::Role* role = nullptr;
  if (platform_.identities && role_arn->starts_with("arn:aws:iam::") &&
      role_arn->find(":role/") != std::string::npos) {
    role = platform_.identities->FindRole(RoleNameOf(*role_arn));
    if (role && role->arn != *role_arn) role = nullptr;
  }
  if (role == nullptr) return reply(AccessDenied(denied));
  const iam::AccessQuery query{.principal = &identity.principal,
                               .action = "sts:AssumeRole",
                               .resource = role->arn,
                               .now_millis = platform_.clock->NowMillis(),
                               .source_ip = caller.source_ip};
  if (!iam::TrustAllows(role->trust_policy, query, identity.policies)) {
    return reply(AccessDenied(denied));
  }

  const bool chained = identity.principal.kind == iam::Principal::Kind::kAssumedRole;
  const int64_t maximum = chained ? kChainedMaxSeconds : int64_t{role->max_session_duration};
  const int64_t seconds = duration->value_or(std::min(kDefaultDurationSeconds, maximum));
  if (seconds > maximum) {
    return reply(AwsError(
        absl::StatusCode::kInvalidArgument, kValidationError,
        chained ? "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                  "assumed by role chaining."
                : "The requested DurationSeconds exceeds the MaxSessionDuration set for this "
                  "role."));
  }

  std::string principal_arn =
      AssumedRoleArn(platform_.account.account_id, role->arn, *session_name);
  protocol::XmlWriter xml;
  xml.Open("AssumedRoleUser")
      .Element("AssumedRoleId", role->role_id + ":" + *session_name)
      .Element("Arn", principal_arn)
      .Close("AssumedRoleUser");
  IssueSession({.principal_arn = std::move(principal_arn),
                .session_policy = std::move(session_policies->policy),
                .session_policy_arns = std::move(session_policies->arns)},
               seconds, xml.Take(), std::move(reply));
}

void StsService::GetSessionToken(const protocol::QueryRequest& request,
                                 const protocol::Caller& caller, Reply reply) {
  if (caller.principal_arn.find(":assumed-role/") != std::string::npos) {
    return reply(AccessDenied("Cannot call GetSessionToken with session credentials"));
  }
  absl::StatusOr<std::optional<int64_t>> duration =
      ReadDuration(request, kSessionTokenMaxSeconds);
  if (!duration.ok()) return reply(duration.status());
  // The session acts as the user (or, for the operator's keys, as the account root).
  IssueSession({.principal_arn = caller.principal_arn},
               duration->value_or(kSessionTokenDefaultSeconds), "", std::move(reply));
}

void StsService::IssueSession(SessionStore::Session session, int64_t seconds,
                              std::string result_xml_tail, Reply reply) {
  // Expiry is wall-clock time: signatures are checked against the real clock.
  const int64_t now = RealClock::Instance().NowMillis();
  const int64_t expires = now + seconds * 1000;
  session.expires_millis = expires;
  sessions_->Create(
      std::move(session), now,
      [this, expires, tail = std::move(result_xml_tail),
       reply = std::move(reply)](absl::StatusOr<SessionStore::Session> session) {
        if (!session.ok()) return reply(session.status());
        ++sessions_issued_;
        protocol::XmlWriter xml;
        xml.Open("Credentials")
            .Element("AccessKeyId", session->access_key)
            .Element("SecretAccessKey", session->secret)
            .Element("SessionToken", session->session_token)
            .Element("Expiration", FormatIso8601Seconds(expires / 1000))
            .Close("Credentials");
        reply(xml.Take() + tail);
      });
}

}  // namespace serval::sts
