#pragma once

#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace serval::ec2 {

// EC2's errors, with AWS's codes and texts (docs/ec2.md lists them). EC2 answers every client
// error with HTTP 400 but DryRunOperation (412) and UnauthorizedOperation (403). Thread-safe.

// InvalidInstanceID.NotFound: "The instance ID 'i-1' does not exist", or for several
// "The instance IDs 'i-1, i-2' do not exist".
absl::Status InstancesNotFound(std::span<const std::string> ids);
// InvalidInstanceID.Malformed: Invalid id: "i-x".
absl::Status MalformedInstanceId(std::string_view id);
// IncorrectInstanceState; `sentence` is AWS's whole message.
absl::Status IncorrectInstanceState(std::string_view sentence);
absl::Status InvalidParameterValue(std::string_view message);
absl::Status InvalidParameterCombination(std::string_view message);
// MissingParameter "The request must contain the parameter NAME".
absl::Status MissingParameter(std::string_view name);
// UnknownParameter "The parameter NAME is not recognized".
absl::Status UnknownParameter(std::string_view name);
// DryRunOperation (412) "Request would have succeeded, but DryRun flag is set."
absl::Status DryRunOperation();
// Any other code of EC2's, as a client error (400).
absl::Status ClientError(std::string_view code, std::string_view message);

}  // namespace serval::ec2
