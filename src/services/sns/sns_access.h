#pragma once

#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "common/arn.h"
#include "iam/authorizer.h"
#include "protocol/query.h"

namespace serval::sns {

// What SNS's actions ask of IAM, as AWS's Service Authorization Reference defines them
// ("Actions, resources, and condition keys for Amazon SNS"): sns:<Action> on the topic's ARN
// (a subscription's operations on its topic's; "*" for ListTopics and ListSubscriptions), the
// topic's Policy attribute as its resource policy, and sns:Protocol and sns:Endpoint for
// Subscribe. docs/iam.md ("Actions and resources") lists where Serval differs. Thread-safe
// (pure).

// A topic's parsed policy, or null when it has none (or does not exist).
using TopicPolicyOf = absl::FunctionRef<const iam::PolicyDocument*(std::string_view topic_arn)>;

// The request `request` (an SNS query request) makes. Internal for an action without an entry
// (a defect). A missing or malformed ARN parameter asks about "" (the action then answers
// InvalidParameter or NotFound for it, as it does for anyone).
absl::StatusOr<iam::AccessRequest> AccessRequestFor(const protocol::QueryRequest& request,
                                                    const AccountContext& account,
                                                    TopicPolicyOf policy_of);

}  // namespace serval::sns
