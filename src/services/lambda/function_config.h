#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/arn.h"
#include "services/apigatewayv2/cors.h"
#include "services/lambda/function_settings.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::lambda {

inline constexpr char kLatest[] = "$LATEST";

// How asynchronous invocations of one qualifier are retried and where their results go
// (PutFunctionEventInvokeConfig). Thread-compatible value type.
struct EventInvokeConfig {
  int maximum_retry_attempts = 2;         // 0..2
  int maximum_event_age_seconds = 21600;  // 60..21600
  std::string on_success_destination;     // a function ARN, or empty
  std::string on_failure_destination;
  int64_t last_modified_millis = 0;
  // Not part of the EventInvokeConfig: the function's DeadLetterConfig target, which the invoker
  // adds when it looks the config up for an event.
  std::string dead_letter_target;
};

// One qualifier's resource-policy statements, sid -> the statement as JSON text, in the order
// AddPermission added them (GetPolicy lists them so). Thread-compatible value type.
class PolicyStatements {
 public:
  using Entries = std::vector<std::pair<std::string, std::string>>;
  const std::string* Find(std::string_view sid) const;
  // Adds the statement at the end, or replaces the one of the same sid in place.
  void Put(std::string sid, std::string text);
  void Remove(std::string_view sid);
  bool empty() const { return entries_.empty(); }
  Entries::const_iterator begin() const { return entries_.begin(); }
  Entries::const_iterator end() const { return entries_.end(); }
  bool operator==(const PolicyStatements&) const = default;

 private:
  Entries entries_;
};

// A function URL (CreateFunctionUrlConfig): an HTTP endpoint invoking the unqualified function
// or an alias. Thread-compatible value type.
struct FunctionUrlConfig {
  std::string url_id;     // 32 lower-case letters and digits: the URL's first host label
  std::string auth_type;  // NONE or AWS_IAM
  std::optional<apigatewayv2::CorsConfig> cors;
  std::string invoke_mode;  // BUFFERED or RESPONSE_STREAM; empty: never set (BUFFERED)
  int64_t creation_millis = 0;
  int64_t last_modified_millis = 0;
};

// The stored definition of one version of a function: $LATEST (which changes) or a published,
// immutable version "1", "2", .... Thread-compatible value type.
struct FunctionConfig {
  std::string name;
  std::string version = kLatest;
  std::string runtime;
  std::string role;
  std::string handler;
  std::string description;
  int memory_mb = 128;
  int timeout_seconds = 3;
  int ephemeral_storage_mb = 512;
  std::map<std::string, std::string> variables;
  std::vector<std::string> architectures{"x86_64"};
  FunctionSettings settings;
  std::map<std::string, std::string> tags;  // $LATEST only: tags belong to the function
  // $LATEST only: resource-based policy statements by qualifier ("" for the unqualified
  // function).
  std::map<std::string, PolicyStatements> policies;
  std::optional<int> reserved_concurrency;  // $LATEST only
  // $LATEST only: by qualifier ("$LATEST", a version or an alias).
  std::map<std::string, EventInvokeConfig> event_invoke_configs;
  // $LATEST only: function URLs by qualifier ("" for the unqualified function, or an alias).
  std::map<std::string, FunctionUrlConfig> function_urls;
  std::string code_sha256;  // base64 of the zip's SHA-256, as AWS reports it
  std::string code_id;      // hex of the same digest; names the unpacked code directory
  int64_t code_size = 0;
  int64_t last_modified_millis = 0;
  std::string revision_id;  // changes with every update
  // On $LATEST only: numbers are never reused, even after deletes; publishing an unchanged
  // $LATEST (same revision as when last published) returns the last version instead.
  int last_published_version = 0;
  std::string published_revision_id;
};

// A named pointer to a version, optionally splitting traffic with a second one.
// Thread-compatible value type.
struct AliasConfig {
  std::string name;
  std::string function_version;
  std::string description;
  std::string revision_id;
  // Extra version -> share of invocations (0..1) routed to it instead of function_version.
  std::map<std::string, double> additional_version_weights;
};

// Writes the FunctionConfiguration shape AWS returns (Create/Get/Update/List).
void WriteFunctionConfiguration(const FunctionConfig& config, const AccountContext& account,
                                boost::json::object& out);

// The AliasConfiguration shape AWS returns (CreateAlias/GetAlias/UpdateAlias/ListAliases).
void WriteAliasConfiguration(const AliasConfig& alias, std::string_view function_name,
                             const AccountContext& account, boost::json::object& out);

// The resource-based policy document of one qualifier's statements (FunctionConfig::policies),
// as GetPolicy answers it: {"Version":"2012-10-17","Id":"default","Statement":[...]}.
std::string FunctionPolicyText(const PolicyStatements& statements);

// The on-disk forms (docs/formats.md): JSON objects of every field above.
std::string ToStorageJson(const FunctionConfig& config);
absl::StatusOr<FunctionConfig> FromStorageJson(std::string_view text);
std::string AliasToStorageJson(const AliasConfig& alias);
absl::StatusOr<AliasConfig> AliasFromStorageJson(std::string_view text);

}  // namespace serval::lambda
