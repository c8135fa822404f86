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

// The name of the role `role_arn` names (arn:aws:iam::ACCOUNT:role/PATH/NAME -> NAME): what
// follows its last '/'.
std::string_view RoleNameOf(std::string_view role_arn);

// A role session's principal: arn:aws:sts::ACCOUNT:assumed-role/ROLE_NAME/SESSION, for the role
// `role_arn` names.
std::string AssumedRoleArn(std::string_view account_id, std::string_view role_arn,
                           std::string_view session);

}  // namespace serval
