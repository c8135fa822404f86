#pragma once

#include <string>
#include <string_view>

namespace serval {

// Where this Serval pretends to live. Thread-compatible value type.
struct AccountContext {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
};

// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
std::string LambdaFunctionArn(const AccountContext& account, std::string_view name,
                              std::string_view qualifier = {});

}  // namespace serval
