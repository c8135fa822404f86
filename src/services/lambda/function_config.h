#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/arn.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::lambda {

// The stored definition of a function ($LATEST). Thread-compatible value type.
struct FunctionConfig {
  std::string name;
  std::string runtime;
  std::string role;
  std::string handler;
  std::string description;
  int memory_mb = 128;
  int timeout_seconds = 3;
  int ephemeral_storage_mb = 512;
  std::map<std::string, std::string> variables;
  std::vector<std::string> architectures{"x86_64"};
  std::map<std::string, std::string> tags;
  std::string code_sha256;  // base64 of the zip's SHA-256, as AWS reports it
  std::string code_id;      // hex of the same digest; names the unpacked code directory
  int64_t code_size = 0;
  int64_t last_modified_millis = 0;
  std::string revision_id;  // changes with every update
};

// Writes the FunctionConfiguration shape AWS returns (Create/Get/Update/List).
void WriteFunctionConfiguration(const FunctionConfig& config, const AccountContext& account,
                                boost::json::object& out);

// The on-disk form (docs/formats.md): a JSON object of every field above.
std::string ToStorageJson(const FunctionConfig& config);
absl::StatusOr<FunctionConfig> FromStorageJson(std::string_view text);

}  // namespace serval::lambda
