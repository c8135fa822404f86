#include "iam/evaluator.h"

#include <boost/json.hpp>

#include "iam/request_keys.h"
#include "iam/statement.h"

namespace serval::iam {
namespace {

const Principal kAnonymous;

bool AnyMatches(const std::vector<Pattern>& patterns, std::string_view subject,
                const RequestKeys* keys) {
  for (const Pattern& pattern : patterns) {
    if (pattern.Matches(subject, keys)) return true;
  }
  return false;
}

// Whether `statement` covers the query's action and resource and its conditions hold; the
// principal is the caller's business. A trust policy's statements have no resources.
bool Covers(const Statement& statement, const AccessQuery& query, const RequestKeys& keys) {
  if (AnyMatches(statement.actions, query.action, nullptr) == statement.not_action) return false;
  if (!statement.resources.empty() &&
      AnyMatches(statement.resources, query.resource, &keys) == statement.not_resource) {
    return false;
  }
  for (const Condition& condition : statement.conditions) {
    if (!condition.Holds(keys)) return false;
  }
  return true;
}

// How a resource-based statement names `principal`. NotPrincipal applies to everyone it does not
// name exactly.
PrincipalSet::Match Names(const Statement& statement, const Principal& principal) {
  if (!statement.principals.has_value()) return PrincipalSet::Match::kNo;
  const PrincipalSet::Match match = statement.principals->Matches(principal);
  if (!statement.not_principal) return match;
  return match == PrincipalSet::Match::kExact ? PrincipalSet::Match::kNo
                                              : PrincipalSet::Match::kExact;
}

// What the identity policies say: a Deny, an Allow, or nothing (kImplicitDeny).
Decision IdentityDecision(std::span<const PolicyDocument> policies, const AccessQuery& query,
                          const RequestKeys& keys) {
  Decision decision = Decision::kImplicitDeny;
  for (const PolicyDocument& policy : policies) {
    for (const Statement& statement : policy.statements()) {
      if (!statement.allow && Covers(statement, query, keys)) return Decision::kExplicitDeny;
      if (statement.allow && decision != Decision::kAllow && Covers(statement, query, keys)) {
        decision = Decision::kAllow;
      }
    }
  }
  return decision;
}

// What a resource-based policy says for `principal`: a Deny (naming it or its account), an
// Allow (naming it exactly; `*account_allow` set when one names only its account), or nothing.
Decision ResourceDecision(const PolicyDocument& policy, const Principal& principal,
                          const AccessQuery& query, const RequestKeys& keys, bool* account_allow) {
  Decision decision = Decision::kImplicitDeny;
  for (const Statement& statement : policy.statements()) {
    const PrincipalSet::Match match = Names(statement, principal);
    if (match == PrincipalSet::Match::kNo) continue;
    if (!statement.allow) {
      if (Covers(statement, query, keys)) return Decision::kExplicitDeny;
      continue;
    }
    if (decision == Decision::kAllow) continue;
    if (match == PrincipalSet::Match::kExact) {
      if (Covers(statement, query, keys)) decision = Decision::kAllow;
    } else if (account_allow != nullptr && !*account_allow && Covers(statement, query, keys)) {
      *account_allow = true;
    }
  }
  return decision;
}

}  // namespace

Evaluation Evaluate(const AccessQuery& query, std::span<const PolicyDocument> identity_policies,
                    const PolicyDocument* resource_policy) {
  const Principal& principal = query.principal ? *query.principal : kAnonymous;
  const RequestKeys keys(query);
  Decision identity = IdentityDecision(identity_policies, query, keys);
  if (identity == Decision::kExplicitDeny) {
    return {Decision::kExplicitDeny, DecidedBy::kIdentityPolicy};
  }
  if (principal.kind == Principal::Kind::kAccountRoot) identity = Decision::kAllow;
  const Decision resource = resource_policy == nullptr
                                ? Decision::kImplicitDeny
                                : ResourceDecision(*resource_policy, principal, query, keys,
                                                   /*account_allow=*/nullptr);
  if (resource == Decision::kExplicitDeny) {
    return {Decision::kExplicitDeny, DecidedBy::kResourcePolicy};
  }
  if (identity == Decision::kAllow) return {Decision::kAllow, DecidedBy::kIdentityPolicy};
  if (resource == Decision::kAllow) return {Decision::kAllow, DecidedBy::kResourcePolicy};
  return {Decision::kImplicitDeny, DecidedBy::kNoPolicy};
}

bool TrustAllows(const PolicyDocument& trust, const AccessQuery& query,
                 std::span<const PolicyDocument> identity_policies) {
  const Principal& principal = query.principal ? *query.principal : kAnonymous;
  const RequestKeys keys(query);
  bool account_allow = false;
  const Decision trusted = ResourceDecision(trust, principal, query, keys, &account_allow);
  if (trusted == Decision::kExplicitDeny) return false;
  const Decision identity = IdentityDecision(identity_policies, query, keys);
  if (identity == Decision::kExplicitDeny) return false;
  if (trusted == Decision::kAllow) return true;
  return account_allow && identity == Decision::kAllow;
}

std::string DenialMessage(const AccessQuery& query, const Evaluation& evaluation) {
  const Principal& principal = query.principal ? *query.principal : kAnonymous;
  std::string message = "User: ";
  message += principal.arn.empty() ? std::string_view("anonymous") : principal.arn;
  message += " is not authorized to perform: ";
  message += query.action;
  message += " on resource: ";  // "*" too, as Lambda's ListFunctions denial reads
  message += query.resource;
  const bool by_session = evaluation.decided_by == DecidedBy::kSessionPolicy;
  if (evaluation.decision == Decision::kExplicitDeny) {
    message += by_session ? " with an explicit deny in a session policy"
               : evaluation.decided_by == DecidedBy::kResourcePolicy
                   ? " with an explicit deny in a resource-based policy"
                   : " with an explicit deny in an identity-based policy";
  } else {
    message += by_session ? " because no session policy allows the "
                          : " because no identity-based policy allows the ";
    message += query.action;
    message += " action";
  }
  return message;
}

std::string AllowingStatement(const AccessQuery& query) {
  boost::json::object statement;
  statement["Effect"] = "Allow";
  statement["Action"] = boost::json::string_view(query.action.data(), query.action.size());
  statement["Resource"] = boost::json::string_view(query.resource.data(), query.resource.size());
  return boost::json::serialize(statement);
}

}  // namespace serval::iam
