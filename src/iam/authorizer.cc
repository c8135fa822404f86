#include "iam/authorizer.h"

#include <boost/json.hpp>

#include "common/arn.h"
#include "common/aws_error.h"
#include "common/clock.h"
#include "fmt/format.h"
#include "iam/identity_store.h"
#include "protocol/request_context.h"

namespace serval::iam {
namespace {

namespace json = boost::json;

constexpr std::string_view kUserPrefix = ":user/";
constexpr std::string_view kAssumedRolePrefix = ":assumed-role/";

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kOff:
      return "off";
    case Mode::kWarn:
      return "warn";
    case Mode::kEnforce:
      return "enforce";
  }
  return "off";
}

}  // namespace

Authorizer::Authorizer(Mode mode, std::string account_id, const Clock* clock)
    : mode_(mode), account_id_(std::move(account_id)), clock_(clock) {
  root_.principal = {.kind = Principal::Kind::kAccountRoot,
                     .arn = fmt::format("arn:aws:iam::{}:root", account_id_),
                     .account_id = account_id_};
}

const Authorizer::Identity& Authorizer::IdentityOf(const protocol::Caller& caller) {
  if (caller.principal_arn.empty()) return root_;
  const uint64_t generation = identities_ ? identities_->generation() : 0;
  auto [it, inserted] = identities_by_arn_.try_emplace(caller.principal_arn);
  Identity& identity = it->second;
  if (!inserted && identity.generation == generation) return identity;
  identity.generation = generation;
  identity.policies.clear();
  const std::string_view arn = caller.principal_arn;
  Principal& principal = identity.principal;
  principal.arn = caller.principal_arn;
  principal.account_id = account_id_;
  if (arn.find(kUserPrefix) != std::string_view::npos) {
    principal.kind = Principal::Kind::kUser;
    const std::string_view name = RoleNameOf(arn);  // the last segment: users have paths too
    const User* user = identities_ ? identities_->FindUser(name) : nullptr;
    principal.user_id = user ? user->user_id : "";
    if (user) identity.policies = identities_->UserPolicies(name);
  } else if (const size_t session = arn.find(kAssumedRolePrefix);
             session != std::string_view::npos) {
    principal.kind = Principal::Kind::kAssumedRole;
    std::string_view role_and_session = arn.substr(session + kAssumedRolePrefix.size());
    const std::string_view role_name = role_and_session.substr(0, role_and_session.find('/'));
    const Role* role = identities_ ? identities_->FindRole(role_name) : nullptr;
    principal.role_arn =
        role ? role->arn : fmt::format("arn:aws:iam::{}:role/{}", account_id_, role_name);
    principal.user_id = role ? fmt::format("{}:{}", role->role_id,
                                           role_and_session.substr(role_name.size() + 1))
                             : "";
    if (identities_) identity.policies = identities_->RolePolicies(role_name);
  }
  return identity;
}

bool Authorizer::ServiceMayAssumeRole(std::string_view role_arn, std::string_view service) const {
  const Role* role = identities_ ? identities_->FindRole(RoleNameOf(role_arn)) : nullptr;
  if (role == nullptr || role->arn != role_arn) return false;
  const Principal principal{.kind = Principal::Kind::kService, .arn = std::string(service)};
  const AccessQuery query{.principal = &principal,
                          .action = "sts:AssumeRole",
                          .resource = role->arn,
                          .now_millis = clock_->NowMillis()};
  return TrustAllows(role->trust_policy, query, {});
}

absl::Status Authorizer::Check(const protocol::Caller& caller, const AccessRequest& request,
                               std::string_view error_code) {
  if (mode_ == Mode::kOff || caller.anonymous || caller.principal_arn.empty()) {
    return absl::OkStatus();
  }
  const Identity& identity = IdentityOf(caller);
  const AccessQuery query{.principal = &identity.principal,
                          .action = request.action,
                          .resource = request.resource,
                          .context = request.context,
                          .now_millis = clock_->NowMillis(),
                          .source_ip = caller.source_ip};
  Evaluation evaluation = Evaluate(query, identity.policies, request.resource_policy);
  if (evaluation.decision == Decision::kAllow && !session_policies_.empty()) {
    evaluation = NarrowedBySession(caller.access_key, query, evaluation);
  }
  if (evaluation.decision == Decision::kAllow) return absl::OkStatus();
  std::string message = DenialMessage(query, evaluation);
  Record(query, message);
  if (mode_ == Mode::kWarn) return absl::OkStatus();
  return AwsError(absl::StatusCode::kPermissionDenied, error_code, message);
}

void Authorizer::SetSessionPolicies(const std::string& access_key,
                                    std::optional<PolicyDocument> inline_policy,
                                    std::vector<std::string> policy_arns) {
  session_policies_[access_key] = SessionPolicies{.inline_policy = std::move(inline_policy),
                                                  .policy_arns = std::move(policy_arns)};
}

Evaluation Authorizer::NarrowedBySession(const std::string& access_key, const AccessQuery& query,
                                         const Evaluation& evaluation) {
  auto found = session_policies_.find(access_key);
  if (found == session_policies_.end()) return evaluation;
  SessionPolicies& session = found->second;
  const uint64_t generation = identities_ ? identities_->generation() : 0;
  if (session.documents.empty() || session.generation != generation) {
    session.generation = generation;
    session.documents.clear();
    if (session.inline_policy) session.documents.push_back(*session.inline_policy);
    for (const std::string& arn : session.policy_arns) {
      const ManagedPolicy* policy = identities_ ? identities_->FindPolicy(arn) : nullptr;
      const PolicyVersion* version = policy ? policy->DefaultVersion() : nullptr;
      if (version) session.documents.push_back(version->document);
    }
  }
  const Evaluation narrowed = Evaluate(query, session.documents, nullptr);
  if (narrowed.decision == Decision::kAllow) return evaluation;
  return {narrowed.decision, DecidedBy::kSessionPolicy};
}

void Authorizer::Record(const AccessQuery& query, const std::string& message) {
  DenialKey key{query.principal->arn, std::string(query.action), std::string(query.resource)};
  auto found = denials_.find(key);
  if (found != denials_.end()) {
    ++found->second.count;
    return;
  }
  if (denials_.size() >= kMaxDenials) {
    ++unlisted_denials_;
    return;
  }
  Denial denial{.message = message, .missing = AllowingStatement(query), .count = 1};
  fmt::print(stderr, "serval: iam: {}{}; a policy needs {}\n",
             mode_ == Mode::kWarn ? "allowed in warn mode, but AWS would deny: " : "", message,
             denial.missing);
  denials_.emplace(std::move(key), std::move(denial));
}

void Authorizer::AddStats(json::object& stats) const {
  json::array denied;
  for (const auto& [key, denial] : denials_) {
    denied.push_back(json::object{{"principal", std::get<0>(key)},
                                  {"action", std::get<1>(key)},
                                  {"resource", std::get<2>(key)},
                                  {"message", denial.message},
                                  {"missing", denial.missing},
                                  {"count", denial.count}});
  }
  stats["iam"] = json::object{{"mode", ModeName(mode_)},
                              {"denied", std::move(denied)},
                              {"unlisted_denials", unlisted_denials_}};
}

}  // namespace serval::iam
