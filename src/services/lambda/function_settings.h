#pragma once

#include <string>

#include "absl/status/status.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::lambda {

// The configuration blocks CreateFunction and UpdateFunctionConfiguration take beside the
// function's code and resources: TracingConfig, LoggingConfig, DeadLetterConfig, VpcConfig,
// KMSKeyArn, FileSystemConfigs and SnapStart. Each is checked as Lambda checks it, kept (with
// every version published from it) and reported back in the FunctionConfiguration, so tools that
// set them (Terraform, CDK, SAM) see what they set. What Serval does with them: a
// DeadLetterConfig naming an SNS topic receives the asynchronous events that fail for good (the
// invoker's async queue publishes them); the rest have nothing here to act on (no X-Ray, VPCs,
// KMS keys, EFS or snapshots) and logs stay in /aws/lambda/NAME as text. Thread-compatible
// value type.
struct FunctionSettings {
  std::string tracing_mode = "PassThrough";  // Active or PassThrough
  std::string log_format = "Text";           // Text or JSON
  std::string application_log_level;         // JSON format only: TRACE .. FATAL
  std::string system_log_level;              // JSON format only: DEBUG, INFO, WARN
  std::string log_group;                     // empty: /aws/lambda/NAME
  std::string dead_letter_target;            // an SNS topic ARN; empty: none
  std::string kms_key_arn;
  std::string snap_start_apply_on = "None";  // None or PublishedVersions
  std::string vpc_config;                    // VpcConfig as given (JSON text); empty: none
  std::string file_system_configs;           // FileSystemConfigs as given (JSON text)

  bool operator==(const FunctionSettings&) const = default;
};

// Reads the blocks a request gives into `settings` (those it leaves out keep their values).
// ValidationException or InvalidParameterValueException as Lambda words them; a dead-letter
// target that is not an SNS topic is refused (Serval has no SQS).
absl::Status ReadFunctionSettings(const boost::json::object& body, FunctionSettings& settings);

// The FunctionConfiguration members of `settings` (TracingConfig, LoggingConfig, SnapStart
// always; the others when set) for the function `name`.
void WriteFunctionSettings(const FunctionSettings& settings, const std::string& name,
                           boost::json::object& out);

// The stored form (docs/formats.md): only what differs from the defaults.
boost::json::object FunctionSettingsToStorage(const FunctionSettings& settings);
FunctionSettings FunctionSettingsFromStorage(const boost::json::object* stored);

}  // namespace serval::lambda
