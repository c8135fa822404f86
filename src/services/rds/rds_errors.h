#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace serval::rds {

// RDS's errors, with the codes and HTTP statuses of botocore's model (rds 2014-10-31) and AWS's
// messages. Thread-safe (pure functions).

// 404 DBInstanceNotFound "DBInstance <id> not found."
absl::Status DbInstanceNotFound(std::string_view identifier);
// 400 DBInstanceAlreadyExists "DB instance already exists".
absl::Status DbInstanceAlreadyExists();
// 400 InvalidDBInstanceState with `message` ("Instance db1 is not in available state.").
absl::Status InvalidDbInstanceState(std::string_view message);
// 400 InvalidParameterValue / InvalidParameterCombination with `message`.
absl::Status InvalidParameterValue(std::string_view message);
absl::Status InvalidParameterCombination(std::string_view message);
// 400 MissingParameter "The request must contain the parameter <name>".
absl::Status MissingParameter(std::string_view name);

}  // namespace serval::rds
