#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/arn.h"
#include "services/lambda/function_config.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::lambda {

// Validation and decoding of the control-plane request bodies, with AWS's error codes and
// messages. Thread-safe (pure functions).

// Parses a request body into a JSON object (InvalidRequestContentException otherwise).
absl::StatusOr<boost::json::object> ParseBody(std::string_view body);

// A function name, partial ARN (ACCOUNT:function:NAME) or full ARN, optionally ":QUALIFIER".
struct FunctionReference {
  std::string name;
  std::string qualifier;  // empty when none was given
  std::string region;     // the ARN's, empty when the reference names none
  std::string account;    // the (partial) ARN's, empty when the reference names none
};
absl::StatusOr<FunctionReference> ParseFunctionReference(std::string_view text);
// Whether this region and account can reach a function its reference names: another region is
// 404 "Functions from 'R' are not reachable in this region ('HERE')", another account 403
// AccessDeniedException, as Lambda answers.
absl::Status CheckReachable(const FunctionReference& reference, const AccountContext& account);
// A Qualifier query parameter: 1-128 of [a-zA-Z0-9$_-] (ValidationException naming
// 'qualifier').
absl::Status CheckQualifier(std::string_view qualifier);

// A deployment package as a request gives it (its Code member): the zip itself (ZipFile), or the
// S3 object holding it (S3Bucket, S3Key), which the service reads.
struct CodePackage {
  std::string zip;
  std::string s3_bucket;  // empty: `zip` is the package
  std::string s3_key;
};

// CreateFunction: the configuration plus the package (returned through `code`).
absl::StatusOr<FunctionConfig> ParseCreateFunction(const boost::json::object& body,
                                                   CodePackage* code);

// UpdateFunctionConfiguration: applies the fields present in `body` to `config`.
absl::Status ApplyConfigurationUpdate(const boost::json::object& body, FunctionConfig& config);

// UpdateFunctionCode: the package, and Architectures applied to `config`.
absl::StatusOr<CodePackage> ParseCodeUpdate(const boost::json::object& body,
                                            FunctionConfig& config);

// A CreateFunction or UpdateFunctionCode request decoded: the JSON parsed and the zip
// base64-decoded, which for a 50 MB package takes long enough to belong off the io thread.
struct CodeUpload {
  // Create: the new function's configuration. Update: `base` with the update's fields applied.
  FunctionConfig config;
  std::string zip;
  // Code.S3Bucket/S3Key: the object to read the zip from (empty: `zip` is the package).
  std::string s3_bucket;
  std::string s3_key;
  std::string revision_id;  // Update: the RevisionId the client expects, if it sent one
  bool publish = false;
  bool dry_run = false;  // Update only
};
// Decodes a CreateFunction body (`create`) or an UpdateFunctionCode body applied to `base`.
// Thread-safe (pure).
absl::StatusOr<CodeUpload> DecodeCodeUpload(std::string_view body, bool create,
                                            FunctionConfig base);

// List pagination: MaxItems (1..10000, `fallback` when absent) and the opaque Marker, which
// carries the last key of the previous page.
absl::StatusOr<int> ParseMaxItems(const std::optional<std::string>& text, int fallback);
std::string EncodeMarker(std::string_view last_key);
absl::StatusOr<std::string> DecodeMarker(const std::optional<std::string>& marker);

// Alias bodies (CreateAlias, UpdateAlias): Name, FunctionVersion, Description, RoutingConfig.
// Checks shapes and ranges; whether the versions exist is for the caller to check.
absl::Status ApplyAliasFields(const boost::json::object& body, AliasConfig& alias);
absl::Status ValidateAliasName(std::string_view name);

}  // namespace serval::lambda
