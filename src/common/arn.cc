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

}  // namespace serval
