#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace serval::iam_api {

// IAM's errors, with the codes and HTTP statuses AWS answers (botocore's model names the codes).
// Thread-safe (pure functions).

// 404 NoSuchEntity ("The role with name X cannot be found.").
absl::Status NoSuchEntity(std::string_view message);
// 409 EntityAlreadyExists ("Role with name X already exists.").
absl::Status EntityAlreadyExists(std::string_view message);
// 409 DeleteConflict ("Cannot delete entity, must detach all policies first.").
absl::Status DeleteConflict(std::string_view message);
// 409 LimitExceeded ("Cannot exceed quota for AccessKeysPerUser: 2").
absl::Status LimitExceeded(std::string_view message);
// 400 MalformedPolicyDocument, with the policy parser's message.
absl::Status MalformedPolicyDocument(std::string_view message);
// 400 InvalidInput ("ARN x is not valid.").
absl::Status InvalidInput(std::string_view message);
// 400 UnmodifiableEntity: AWS's own managed policies cannot change.
absl::Status UnmodifiableEntity(std::string_view message);

}  // namespace serval::iam_api
