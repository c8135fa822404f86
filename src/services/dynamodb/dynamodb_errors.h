#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

// DynamoDB's errors as statuses (the awsJson error writer renders them): every client error is a
// 400 with AWS's code and message (docs/dynamodb.md, "Errors").
namespace serval::dynamodb {

absl::Status ValidationError(std::string_view message);
// "Requested resource not found: Table: <name> not found"
absl::Status TableNotFound(std::string_view table_name);
// "Requested resource not found" (streams, indexes, ARNs)
absl::Status ResourceNotFound(std::string_view message = "Requested resource not found");
absl::Status ResourceInUse(std::string_view message);
absl::Status ConditionalCheckFailed();
// A required member missing: "1 validation error detected: Value null at '<member>' failed to
// satisfy constraint: Member must not be null".
absl::Status MissingParameter(std::string_view member);

}  // namespace serval::dynamodb
