#include "services/apigateway/openapi_import_log.h"

#include "absl/strings/str_join.h"
#include "common/aws_error.h"

namespace serval::apigateway {

absl::Status ImportLog::Outcome(bool fail_on_warnings) const {
  std::string message;
  if (!errors_.empty()) {
    message = "Errors found during import:\n\t" + absl::StrJoin(errors_, "\n\t");
    if (!warnings_.empty()) {
      message +=
          "\nAdditionally, these warnings were found:\n\t" + absl::StrJoin(warnings_, "\n\t");
    }
  } else if (fail_on_warnings && !warnings_.empty()) {
    message = "Warnings found during import:\n\t" + absl::StrJoin(warnings_, "\n\t");
  } else {
    return absl::OkStatus();
  }
  return AwsError(absl::StatusCode::kInvalidArgument, "BadRequestException", message);
}

}  // namespace serval::apigateway
