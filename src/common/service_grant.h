#pragma once

#include <boost/json/fwd.hpp>
#include <string_view>

namespace serval {

// What a service principal asks of a resource-based policy (a function's AddPermission
// statements, a topic's Policy): may `service` ("s3.amazonaws.com") perform `action`
// ("lambda:InvokeFunction", "SNS:Publish") on behalf of `source_arn` ("arn:aws:s3:::bucket") in
// `source_account`? Thread-compatible value type.
struct ServiceRequest {
  std::string_view service;
  std::string_view action;
  std::string_view source_arn;
  std::string_view source_account;
  // SNS's AWS:SourceOwner key, where the service sets it; S3 does not, which is why SNS's
  // default topic policy (conditioned on it) does not let S3 publish.
  std::string_view source_owner;
  // Lambda's lambda:FunctionUrlAuthType key: the AuthType of the function URL a request came
  // through (empty for other invocations).
  std::string_view function_url_auth_type;
};

// Whether one policy statement (a JSON object) allows the request: Effect "Allow", a Principal of
// "*", {"AWS": "*"} or {"Service": service}, an Action that matches (wildcards,
// case-insensitively), and conditions that hold. The condition keys understood are aws:SourceArn
// (ArnLike, ArnEquals, StringLike, StringEquals), aws:SourceAccount, AWS:SourceOwner and
// lambda:FunctionUrlAuthType (StringEquals, StringLike); any other key or operator, or a key the
// request does not carry, is a condition the service cannot satisfy. Thread-safe (pure).
bool StatementAllows(const boost::json::object& statement, const ServiceRequest& request);

// Whether the policy document `policy` (JSON text with a Statement list, or one statement) allows
// the request: some statement allows it and no Deny statement matches it (a Deny matches as an
// Allow would). False for text that is not such a document. Thread-safe (pure).
bool PolicyAllowsService(std::string_view policy, const ServiceRequest& request);

}  // namespace serval
