#include "services/iam/iam_access.h"

#include <string>

#include "common/arn.h"

namespace serval::iam_api {
namespace {

std::string EntityArn(const iam::IdentityStore& identities, std::string_view kind,
                      const protocol::QueryRequest& request, std::string_view name) {
  std::string path = request.Get("Path").value_or("/");
  return "arn:aws:iam::" + identities.account_id() + ":" + std::string(kind) + path +
         std::string(name);
}

}  // namespace

iam::AccessRequest AccessRequestFor(std::string_view action, const protocol::QueryRequest& request,
                                    const iam::IdentityStore& identities,
                                    const protocol::Caller& caller) {
  iam::AccessRequest access{.action = action, .resource = "*"};
  if (std::optional<std::string> role = request.Get("RoleName")) {
    const iam::Role* found = identities.FindRole(*role);
    access.resource = found ? found->arn : EntityArn(identities, "role", request, *role);
  } else if (std::optional<std::string> user = request.Get("UserName")) {
    const iam::User* found = identities.FindUser(*user);
    access.resource = found ? found->arn : EntityArn(identities, "user", request, *user);
  } else if (std::optional<std::string> policy = request.Get("PolicyArn")) {
    access.resource = *policy;
  } else if (std::optional<std::string> name = request.Get("PolicyName")) {
    access.resource = EntityArn(identities, "policy", request, *name);  // CreatePolicy
  } else if (request.action.find("AccessKey") != std::string::npos ||
             request.action == "GetUser") {
    // The caller's own user (the account root's keys have no user: "*").
    if (caller.principal_arn.find(":user/") != std::string::npos) {
      access.resource = caller.principal_arn;
    }
  }
  if (request.action.starts_with("Attach") || request.action.starts_with("Detach")) {
    if (std::optional<std::string> policy = request.Get("PolicyArn")) {
      access.context.push_back({.key = "iam:PolicyARN", .values = {*policy}});
    }
  }
  return access;
}

}  // namespace serval::iam_api
