#include "common/aws_error.h"

namespace serval {
namespace {

constexpr char kAwsCodeUrl[] = "serval/aws-error-code";

}  // namespace

absl::Status AwsError(absl::StatusCode code, std::string_view aws_code, std::string_view message) {
  // Debian's abseil has its own string_view, so convert explicitly.
  absl::Status status(code, absl::string_view(message.data(), message.size()));
  status.SetPayload(kAwsCodeUrl, absl::Cord(absl::string_view(aws_code.data(), aws_code.size())));
  return status;
}

std::string AwsErrorCode(const absl::Status& status) {
  auto payload = status.GetPayload(kAwsCodeUrl);
  return payload ? std::string(*payload) : std::string();
}

}  // namespace serval
