#pragma once

#include <string_view>

#include "iam/policy.h"

namespace serval::iam {

// What a service principal asks of a resource-based policy (a function's AddPermission
// statements, a topic's Policy): may `service` ("s3.amazonaws.com") perform `action`
// ("lambda:InvokeFunction", "SNS:Publish") on `resource` on behalf of `source_arn`
// ("arn:aws:s3:::bucket") in `source_account`? Thread-compatible value type.
struct ServiceRequest {
  // The service principal; empty for an unsigned caller (a function URL with AuthType NONE),
  // whom only "*" names.
  std::string_view service;
  std::string_view action;
  // The ARN of the resource the policy belongs to.
  std::string_view resource;
  // Condition keys: aws:SourceArn, aws:SourceAccount, and where the service sets them SNS's
  // AWS:SourceOwner (S3 does not, which is why SNS's default topic policy, conditioned on it,
  // does not let S3 publish) and Lambda's lambda:FunctionUrlAuthType. Empty: the request does
  // not carry the key.
  std::string_view source_arn;
  std::string_view source_account;
  std::string_view source_owner;
  std::string_view function_url_auth_type;
};

// Whether the resource policy `policy` (JSON text, validated as ParsePolicy does for
// PolicyKind::kResource) allows the request, as Evaluate decides it for a service principal with
// no identity policies: some statement naming the service (or "*") allows it and no Deny
// statement does. False for text that is not such a document. Thread-safe (pure).
bool PolicyAllowsService(std::string_view policy, const ServiceRequest& request);
bool PolicyAllowsService(const PolicyDocument& policy, const ServiceRequest& request);

}  // namespace serval::iam
