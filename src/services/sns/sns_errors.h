#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace serval::sns {

// SNS's errors, with its codes (the short names of botocore's model) and statuses. Thread-safe.

// 400 InvalidParameter "Invalid parameter: <reason>".
absl::Status InvalidParameter(std::string_view reason);
// 400 ParameterValueInvalid (message attributes).
absl::Status ParameterValueInvalid(std::string_view message);
// 404 NotFound "Topic does not exist" / "Subscription does not exist".
absl::Status TopicNotFound();
absl::Status SubscriptionNotFound();
// 404 ResourceNotFound "Resource does not exist" (tagging an unknown ARN).
absl::Status ResourceNotFound();
// 403 AuthorizationError.
absl::Status AuthorizationError(std::string_view message);
// 400 with a code of its own: the batch codes (TooManyEntriesInBatchRequest,
// BatchEntryIdsNotDistinct, ...) and TagLimitExceeded.
absl::Status ClientError(std::string_view code, std::string_view message);

}  // namespace serval::sns
