#include "services/ec2/ec2_errors.h"

#include "common/aws_error.h"
#include "fmt/format.h"
#include "fmt/ranges.h"

namespace serval::ec2 {

absl::Status ClientError(std::string_view code, std::string_view message) {
  return AwsError(absl::StatusCode::kInvalidArgument, code, message);
}

absl::Status InstancesNotFound(std::span<const std::string> ids) {
  return ClientError("InvalidInstanceID.NotFound",
                     ids.size() == 1
                         ? fmt::format("The instance ID '{}' does not exist", ids.front())
                         : fmt::format("The instance IDs '{}' do not exist", fmt::join(ids, ", ")));
}

absl::Status MalformedInstanceId(std::string_view id) {
  return ClientError("InvalidInstanceID.Malformed", fmt::format("Invalid id: \"{}\"", id));
}

absl::Status IncorrectInstanceState(std::string_view sentence) {
  return ClientError("IncorrectInstanceState", sentence);
}

absl::Status InvalidParameterValue(std::string_view message) {
  return ClientError("InvalidParameterValue", message);
}

absl::Status InvalidParameterCombination(std::string_view message) {
  return ClientError("InvalidParameterCombination", message);
}

absl::Status MissingParameter(std::string_view name) {
  return ClientError("MissingParameter",
                     fmt::format("The request must contain the parameter {}", name));
}

absl::Status UnknownParameter(std::string_view name) {
  return ClientError("UnknownParameter", fmt::format("The parameter {} is not recognized", name));
}

absl::Status DryRunOperation() {
  return WithHttpStatus(AwsError(absl::StatusCode::kFailedPrecondition, "DryRunOperation",
                                 "Request would have succeeded, but DryRun flag is set."),
                        412);
}

}  // namespace serval::ec2
