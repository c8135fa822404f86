#include "common/arn.h"

#include <fmt/format.h>

namespace serval {

std::string LambdaFunctionArn(const AccountContext& account, std::string_view name,
                              std::string_view qualifier) {
  std::string arn =
      fmt::format("arn:aws:lambda:{}:{}:function:{}", account.region, account.account_id, name);
  if (!qualifier.empty()) {
    arn += ':';
    arn += qualifier;
  }
  return arn;
}

std::string_view RoleNameOf(std::string_view role_arn) {
  const size_t slash = role_arn.rfind('/');
  return slash == std::string_view::npos ? role_arn : role_arn.substr(slash + 1);
}

std::string AssumedRoleArn(std::string_view account_id, std::string_view role_arn,
                           std::string_view session) {
  return fmt::format("arn:aws:sts::{}:assumed-role/{}/{}", account_id, RoleNameOf(role_arn),
                     session);
}

}  // namespace serval
