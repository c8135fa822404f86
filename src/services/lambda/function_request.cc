#include "services/lambda/function_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "absl/strings/ascii.h"
#include "common/aws_error.h"
#include "common/crypto.h"
#include "protocol/validation.h"
#include "sandbox/runtime_command.h"
#include "services/lambda/code_store.h"
#include "services/lambda/errors.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxVariablesBytes = 4096;

// Variables the runtime sets itself; AWS refuses functions that try to set them.
constexpr std::string_view kReservedVariables[] = {"_HANDLER",
                                                   "_X_AMZN_TRACE_ID",
                                                   "AWS_DEFAULT_REGION",
                                                   "AWS_REGION",
                                                   "AWS_EXECUTION_ENV",
                                                   "AWS_LAMBDA_FUNCTION_NAME",
                                                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                                   "AWS_LAMBDA_FUNCTION_VERSION",
                                                   "AWS_LAMBDA_INITIALIZATION_TYPE",
                                                   "AWS_LAMBDA_LOG_GROUP_NAME",
                                                   "AWS_LAMBDA_LOG_STREAM_NAME",
                                                   "AWS_ACCESS_KEY",
                                                   "AWS_ACCESS_KEY_ID",
                                                   "AWS_SECRET_ACCESS_KEY",
                                                   "AWS_SESSION_TOKEN",
                                                   "AWS_LAMBDA_RUNTIME_API",
                                                   "LAMBDA_TASK_ROOT",
                                                   "LAMBDA_RUNTIME_DIR"};

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

bool IsValidName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(), IsNameChar);
}

// Reads an optional member, checking its JSON type. `present` tells whether it was there.
template <typename T>
absl::Status Read(const json::object& body, std::string_view key, T& out, bool* present = nullptr);

template <>
absl::Status Read<std::string>(const json::object& body, std::string_view key, std::string& out,
                               bool* present) {
  const json::value* value = body.if_contains(json::string_view(key.data(), key.size()));
  if (present) *present = value && !value->is_null();
  if (!value || value->is_null()) return absl::OkStatus();
  if (!value->is_string()) {
    return InvalidRequestContent(
        fmt::format("Could not parse request body into json: field '{}' must be a string", key));
  }
  out = std::string(value->get_string());
  return absl::OkStatus();
}

template <>
absl::Status Read<int>(const json::object& body, std::string_view key, int& out, bool* present) {
  const json::value* value = body.if_contains(json::string_view(key.data(), key.size()));
  if (present) *present = value && !value->is_null();
  if (!value || value->is_null()) return absl::OkStatus();
  if (value->is_int64() && value->get_int64() >= INT32_MIN && value->get_int64() <= INT32_MAX) {
    out = static_cast<int>(value->get_int64());
    return absl::OkStatus();
  }
  return InvalidRequestContent(
      fmt::format("Could not parse request body into json: field '{}' must be an integer", key));
}

absl::Status ReadVariables(const json::object& body, FunctionConfig& config) {
  const json::value* environment = body.if_contains("Environment");
  if (!environment || environment->is_null()) return absl::OkStatus();
  if (!environment->is_object()) {
    return InvalidRequestContent("Could not parse request body into json: Environment");
  }
  const json::value* variables = environment->get_object().if_contains("Variables");
  std::map<std::string, std::string> parsed;
  if (variables && !variables->is_null()) {
    if (!variables->is_object()) {
      return InvalidRequestContent("Could not parse request body into json: Variables");
    }
    size_t total = 0;
    for (const auto& [key, value] : variables->get_object()) {
      if (!value.is_string()) {
        return InvalidRequestContent(
            "Could not parse request body into json: variable values must be strings");
      }
      const std::string name(key);
      const bool valid = !name.empty() && std::isalpha(static_cast<unsigned char>(name[0])) &&
                         std::all_of(name.begin(), name.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                         });
      if (!valid) {
        return protocol::ValidationFailed(
            name, "environment.variables",
            "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+");
      }
      if (std::find(std::begin(kReservedVariables), std::end(kReservedVariables), name) !=
          std::end(kReservedVariables)) {
        return InvalidParameter(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            "for modification. Reserved keys used in this request: " +
            name);
      }
      total += name.size() + value.get_string().size();
      parsed[name] = std::string(value.get_string());
    }
    if (total > kMaxVariablesBytes) {
      return InvalidParameter(
          "Lambda was unable to configure your environment variables because the environment "
          "variables you have provided exceeded the 4KB limit.");
    }
  }
  config.variables = std::move(parsed);
  return absl::OkStatus();
}

absl::Status ReadRuntime(const json::object& body, FunctionConfig& config) {
  bool present = false;
  std::string runtime;
  if (auto status = Read(body, "Runtime", runtime, &present); !status.ok()) return status;
  if (!present) return absl::OkStatus();
  // Runtimes AWS no longer lets functions be created or updated with (functions stored with one
  // still run).
  static constexpr std::string_view kDeprecated[] = {"provided", "python3.8", "python3.7",
                                                     "nodejs16.x", "nodejs14.x"};
  if (std::find(std::begin(kDeprecated), std::end(kDeprecated), runtime) != std::end(kDeprecated)) {
    return InvalidParameter(fmt::format(
        "The runtime parameter of {} is no longer supported for creating or updating AWS Lambda "
        "functions. We recommend you use a supported runtime while creating or updating "
        "functions.",
        runtime));
  }
  if (!sandbox::FamilyOf(runtime).ok()) {
    std::string known;
    for (const auto& name : sandbox::SupportedRuntimes())
      known += (known.empty() ? "" : ", ") + name;
    return InvalidParameter(fmt::format(
        "Value {} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "
        "[{}] or be a valid ARN",
        runtime, known));
  }
  config.runtime = std::move(runtime);
  return absl::OkStatus();
}

absl::Status ReadEphemeralStorage(const json::object& body, FunctionConfig& config) {
  const json::value* storage = body.if_contains("EphemeralStorage");
  if (!storage || storage->is_null()) return absl::OkStatus();
  if (!storage->is_object()) {
    return InvalidRequestContent("Could not parse request body into json: EphemeralStorage");
  }
  int size = config.ephemeral_storage_mb;
  if (auto status = Read(storage->get_object(), "Size", size); !status.ok()) return status;
  if (auto status = protocol::CheckValueRange(size, "ephemeralStorage.size", 512, 10240);
      !status.ok()) {
    return status;
  }
  config.ephemeral_storage_mb = size;
  return absl::OkStatus();
}

absl::Status ReadArchitectures(const json::object& body, FunctionConfig& config) {
  const json::value* list = body.if_contains("Architectures");
  if (!list || list->is_null()) return absl::OkStatus();
  if (!list->is_array() || list->get_array().size() != 1 || !list->get_array()[0].is_string()) {
    return protocol::ValidationFailed("Architectures", "architectures",
                                      "Member must have length less than or equal to 1");
  }
  const std::string architecture(list->get_array()[0].get_string());
  if (architecture != "x86_64" && architecture != "arm64") {
    return protocol::ValidationFailed(architecture, "architectures",
                                      "Member must satisfy enum value set: [x86_64, arm64]");
  }
  config.architectures = {architecture};
  return absl::OkStatus();
}

// The execution role, held to the model's pattern for an IAM role ARN:
// arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+
absl::Status ReadRole(const json::object& body, FunctionConfig& config) {
  bool present = false;
  std::string role;
  if (auto s = Read(body, "Role", role, &present); !s.ok()) return s;
  if (!present) return absl::OkStatus();
  std::string_view rest = role;
  bool valid = rest.starts_with("arn:");
  if (valid) {
    rest.remove_prefix(4);
    const size_t partition_end = rest.find(':');
    const std::string_view partition = rest.substr(0, partition_end);
    valid = partition_end != std::string_view::npos &&
            (partition.empty() || (partition.starts_with("aws") &&
                                   std::all_of(partition.begin() + 3, partition.end(), [](char c) {
                                     return absl::ascii_isalpha(c) || c == '-';
                                   })));
    if (valid) rest.remove_prefix(partition_end + 1);
  }
  valid = valid && rest.starts_with("iam::") && rest.size() > 17;
  if (valid) {
    const std::string_view account = rest.substr(5, 12);
    valid = std::all_of(account.begin(), account.end(), absl::ascii_isdigit) &&
            rest.substr(17).starts_with(":role");
    rest.remove_prefix(std::min(rest.size(), size_t{22}));
  }
  if (valid && rest.starts_with('/')) rest.remove_prefix(1);
  valid = valid && !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
            return absl::ascii_isalnum(c) ||
                   std::string_view("_+=,.@-/").find(c) != std::string_view::npos;
          });
  if (!valid) {
    return protocol::ValidationFailed(
        role, "role",
        "Member must satisfy regular expression pattern: "
        "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  }
  config.role = std::move(role);
  return absl::OkStatus();
}

// Fields shared by CreateFunction and UpdateFunctionConfiguration.
absl::Status ReadConfigurationFields(const json::object& body, FunctionConfig& config) {
  if (auto s = ReadRuntime(body, config); !s.ok()) return s;
  if (auto s = ReadRole(body, config); !s.ok()) return s;
  bool has_handler = false;
  std::string handler;
  if (auto s = Read(body, "Handler", handler, &has_handler); !s.ok()) return s;
  if (has_handler) {
    const bool valid =
        handler.size() <= 128 && std::none_of(handler.begin(), handler.end(), [](char c) {
          return std::isspace(static_cast<unsigned char>(c));
        });
    if (!valid) {
      return protocol::ValidationFailed(handler, "handler",
                                        "Member must satisfy regular expression pattern: "
                                        "[^\\s]+");
    }
    config.handler = std::move(handler);
  }
  if (auto s = Read(body, "Description", config.description); !s.ok()) return s;
  if (config.description.size() > 256) {
    return protocol::ValidationFailed(config.description, "description",
                                      "Member must have length less than or equal to 256");
  }
  if (auto s = Read(body, "MemorySize", config.memory_mb); !s.ok()) return s;
  if (auto s = protocol::CheckValueRange(config.memory_mb, "memorySize", 128, 10240); !s.ok())
    return s;
  if (auto s = Read(body, "Timeout", config.timeout_seconds); !s.ok()) return s;
  if (auto s = protocol::CheckValueRange(config.timeout_seconds, "timeout", 1, 900); !s.ok())
    return s;
  if (auto s = ReadVariables(body, config); !s.ok()) return s;
  if (auto s = ReadFunctionSettings(body, config.settings); !s.ok()) return s;
  return ReadEphemeralStorage(body, config);
}

absl::StatusOr<std::string> DecodeZip(const json::value* zip) {
  if (!zip->is_string()) {
    return InvalidRequestContent("Could not parse request body into json: ZipFile");
  }
  auto decoded = Base64Decode(std::string_view(zip->get_string().data(), zip->get_string().size()));
  if (!decoded.ok()) {
    return InvalidRequestContent(
        "Could not parse request body into json: ZipFile is not valid base64");
  }
  if (decoded->size() > kMaxZipBytes) {
    return RequestTooLarge("Zipped size must be smaller than 52428800 bytes");
  }
  return decoded;
}

absl::StatusOr<CodePackage> ReadCode(const json::object& code) {
  CodePackage package;
  if (const json::value* zip = code.if_contains("ZipFile"); zip && !zip->is_null()) {
    auto decoded = DecodeZip(zip);
    if (!decoded.ok()) return decoded.status();
    package.zip = *std::move(decoded);
    return package;
  }
  if (code.contains("ImageUri")) {
    return InvalidParameter(
        "Serval runs Zip packages only; container image sources are not supported");
  }
  for (auto [member, field] :
       {std::pair{"S3Bucket", &package.s3_bucket}, std::pair{"S3Key", &package.s3_key}}) {
    if (auto s = Read(code, member, *field); !s.ok()) return s;
  }
  // Without versioning every object's version is "null"; any other version does not exist.
  std::string version;
  if (auto s = Read(code, "S3ObjectVersion", version); !s.ok()) return s;
  if (!version.empty() && version != "null") {
    return InvalidParameter(
        "Error occurred while GetObject. S3 Error Code: InvalidArgument. S3 Error Message: "
        "Invalid version id specified");
  }
  if (package.s3_bucket.empty() || package.s3_key.empty()) {
    return InvalidParameter("Please provide a source for function code.");
  }
  return package;
}

}  // namespace

absl::StatusOr<json::object> ParseBody(std::string_view body) {
  json::error_code ec;
  json::value parsed = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) {
    return InvalidRequestContent("Could not parse request body into json: " + ec.message());
  }
  if (!parsed.is_object()) {
    return InvalidRequestContent("Could not parse request body into json: expected an object");
  }
  return std::move(parsed.get_object());
}

namespace {

// [a-z]{2}(-gov)?-[a-z]+-\d{1}: "us-east-1", "us-gov-west-1".
bool IsRegionName(std::string_view region) {
  auto lower = [](std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_islower);
  };
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t dash = region.find('-', start);
    parts.push_back(region.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts.size() == 4 && parts[1] == "gov") parts.erase(parts.begin() + 1);
  return parts.size() == 3 && parts[0].size() == 2 && lower(parts[0]) && lower(parts[1]) &&
         parts[2].size() == 1 && absl::ascii_isdigit(parts[2][0]);
}

}  // namespace

absl::Status CheckReachable(const FunctionReference& reference, const AccountContext& account) {
  if (!reference.region.empty() && reference.region != account.region) {
    return WithErrorField(
        AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                 fmt::format("Functions from '{}' are not reachable in this region ('{}')",
                             reference.region, account.region)),
        "Type", "User");
  }
  if (!reference.account.empty() && reference.account != account.account_id) {
    return WithHttpStatus(
        AwsError(absl::StatusCode::kPermissionDenied, "AccessDeniedException",
                 fmt::format("The function is in account {}; this endpoint serves account {}",
                             reference.account, account.account_id)),
        403);
  }
  return absl::OkStatus();
}

absl::Status CheckQualifier(std::string_view qualifier) {
  if (qualifier.size() > 128) {
    return protocol::ValidationFailed(qualifier, "qualifier",
                                      "Member must have length less than or equal to 128");
  }
  if (qualifier.empty() || !std::all_of(qualifier.begin(), qualifier.end(), [](char c) {
        return absl::ascii_isalnum(c) || c == '$' || c == '_' || c == '-';
      })) {
    return protocol::ValidationFailed(
        qualifier, "qualifier",
        "Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)");
  }
  return absl::OkStatus();
}

absl::StatusOr<FunctionReference> ParseFunctionReference(std::string_view text) {
  // NAME[:QUALIFIER] | ACCOUNT:function:NAME[:QUALIFIER] | arn:PARTITION:lambda:REGION:ACCOUNT:
  // function:NAME[:QUALIFIER]
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  FunctionReference reference;
  size_t name_index = 0;
  if (parts.size() >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function") {
    name_index = 6;
    reference.region = std::string(parts[3]);
    reference.account = std::string(parts[4]);
  } else if (parts.size() >= 3 && parts[1] == "function") {
    name_index = 2;
    reference.account = std::string(parts[0]);
  } else if (parts.size() > 2) {
    name_index = parts.size();  // invalid
  }
  auto is_account = [](std::string_view account) {
    return account.size() == 12 && std::all_of(account.begin(), account.end(), absl::ascii_isdigit);
  };
  const bool shape_ok = name_index < parts.size() && parts.size() <= name_index + 2 &&
                        (name_index == 0 || is_account(reference.account)) &&
                        (name_index != 6 || IsRegionName(reference.region)) &&
                        (name_index != 6 || parts[1].starts_with("aws"));
  if (!shape_ok || !IsValidName(parts[name_index]) || text.size() > 170) {
    return protocol::ValidationFailed(
        text, "functionName",
        "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}("
        "-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+"
        "))?");
  }
  reference.name = std::string(parts[name_index]);
  if (parts.size() == name_index + 2) {
    reference.qualifier = std::string(parts[name_index + 1]);
    if (reference.qualifier != "$LATEST" &&
        (reference.qualifier.empty() ||
         !std::all_of(reference.qualifier.begin(), reference.qualifier.end(), IsNameChar))) {
      return protocol::ValidationFailed(text, "functionName", "invalid qualifier");
    }
  }
  return reference;
}

absl::StatusOr<FunctionConfig> ParseCreateFunction(const json::object& body, CodePackage* code) {
  FunctionConfig config;
  std::string name;
  bool has_name = false;
  if (auto s = Read(body, "FunctionName", name, &has_name); !s.ok()) return s;
  if (!has_name) {
    return protocol::MissingMember("functionName");
  }
  auto reference = ParseFunctionReference(name);
  if (!reference.ok()) return reference.status();
  if (!reference->qualifier.empty()) {
    return InvalidParameter("A qualifier is not allowed when creating a function");
  }
  config.name = reference->name;
  if (auto s = ReadConfigurationFields(body, config); !s.ok()) return s;
  if (auto s = ReadArchitectures(body, config); !s.ok()) return s;
  std::string package_type = "Zip";
  if (auto s = Read(body, "PackageType", package_type); !s.ok()) return s;
  if (package_type != "Zip") {
    return InvalidParameter("Serval runs Zip packages only; PackageType Image is not supported");
  }
  if (config.runtime.empty()) {
    return InvalidParameter(
        "Runtime and Handler are mandatory parameters for functions created "
        "with deployment packages.");
  }
  if (config.handler.empty() && !config.runtime.starts_with("provided")) {
    return InvalidParameter(
        "Runtime and Handler are mandatory parameters for functions created "
        "with deployment packages.");
  }
  if (config.role.empty()) {
    return protocol::MissingMember("role");
  }
  if (const json::value* tags = body.if_contains("Tags"); tags && !tags->is_null()) {
    if (!tags->is_object()) return InvalidRequestContent("Could not parse request body: Tags");
    for (const auto& [key, value] : tags->get_object()) {
      if (!value.is_string()) return InvalidRequestContent("Could not parse request body: Tags");
      config.tags[std::string(key)] = std::string(value.get_string());
    }
  }
  const json::value* code_member = body.if_contains("Code");
  if (!code_member || !code_member->is_object()) {
    return protocol::MissingMember("code");
  }
  auto package = ReadCode(code_member->get_object());
  if (!package.ok()) return package.status();
  *code = *std::move(package);
  return config;
}

absl::Status ApplyConfigurationUpdate(const json::object& body, FunctionConfig& config) {
  FunctionConfig updated = config;
  if (auto s = ReadConfigurationFields(body, updated); !s.ok()) return s;
  config = std::move(updated);
  return absl::OkStatus();
}

absl::StatusOr<int> ParseMaxItems(const std::optional<std::string>& text, int fallback) {
  if (!text) return fallback;
  char* end = nullptr;
  const long parsed = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || parsed < 1 || parsed > 10000) {
    return protocol::ValidationFailed(*text, "maxItems",
                                      "Member must have value between 1 and 10000");
  }
  return static_cast<int>(parsed);
}

std::string EncodeMarker(std::string_view last_key) { return Base64Encode(last_key); }

absl::StatusOr<std::string> DecodeMarker(const std::optional<std::string>& marker) {
  if (!marker || marker->empty()) return std::string();
  auto decoded = Base64Decode(*marker);
  if (!decoded.ok()) return InvalidParameter("Invalid Marker: " + *marker);
  return decoded;
}

absl::Status ValidateAliasName(std::string_view name) {
  const bool all_digits = std::all_of(
      name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (name.empty() || name.size() > 128 || all_digits ||
      !std::all_of(name.begin(), name.end(), IsNameChar)) {
    return protocol::ValidationFailed(
        name, "name",
        "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
  }
  return absl::OkStatus();
}

absl::Status ApplyAliasFields(const json::object& body, AliasConfig& alias) {
  AliasConfig updated = alias;
  if (auto s = Read(body, "FunctionVersion", updated.function_version); !s.ok()) return s;
  if (updated.function_version != kLatest &&
      (updated.function_version.empty() || updated.function_version.size() > 1024 ||
       !std::all_of(updated.function_version.begin(), updated.function_version.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))) {
    return protocol::ValidationFailed(updated.function_version, "functionVersion",
                                      "Member must satisfy regular expression pattern: "
                                      "(\\$LATEST|[0-9]+)");
  }
  if (auto s = Read(body, "Description", updated.description); !s.ok()) return s;
  if (updated.description.size() > 256) {
    return protocol::ValidationFailed(updated.description, "description",
                                      "Member must have length less than or equal to 256");
  }
  if (const json::value* routing = body.if_contains("RoutingConfig");
      routing && !routing->is_null()) {
    const json::value* weights = routing->is_object()
                                     ? routing->get_object().if_contains("AdditionalVersionWeights")
                                     : nullptr;
    if (!routing->is_object() || (weights && !weights->is_null() && !weights->is_object())) {
      return InvalidRequestContent("Could not parse request body into json: RoutingConfig");
    }
    updated.additional_version_weights.clear();
    if (weights && weights->is_object()) {
      for (const auto& [version, weight] : weights->get_object()) {
        if (!weight.is_number()) {
          return InvalidRequestContent("Could not parse request body into json: weights");
        }
        const double share = weight.to_number<double>();
        if (share < 0.0 || share > 1.0) {
          return protocol::ValidationFailed(std::to_string(share), "additionalVersionWeights",
                                            "Member must have value between 0.0 and 1.0");
        }
        updated.additional_version_weights[std::string(version)] = share;
      }
    }
  }
  if (updated.additional_version_weights.size() > 1) {
    return InvalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1");
  }
  alias = std::move(updated);
  return absl::OkStatus();
}

absl::StatusOr<CodePackage> ParseCodeUpdate(const json::object& body, FunctionConfig& config) {
  FunctionConfig updated = config;
  if (auto s = ReadArchitectures(body, updated); !s.ok()) return s;
  auto package = ReadCode(body);
  if (!package.ok()) return package.status();
  config = std::move(updated);
  return package;
}

absl::StatusOr<CodeUpload> DecodeCodeUpload(std::string_view body, bool create,
                                            FunctionConfig base) {
  auto parsed = ParseBody(body);
  if (!parsed.ok()) return parsed.status();
  auto flag = [&](const char* key) {
    const json::value* value = parsed->if_contains(key);
    return value && value->is_bool() && value->get_bool();
  };
  CodeUpload upload{.publish = flag("Publish"), .dry_run = !create && flag("DryRun")};
  if (create) {
    CodePackage code;
    auto config = ParseCreateFunction(*parsed, &code);
    if (!config.ok()) return config.status();
    upload.config = *std::move(config);
    upload.zip = std::move(code.zip);
    upload.s3_bucket = std::move(code.s3_bucket);
    upload.s3_key = std::move(code.s3_key);
    return upload;
  }
  if (const json::value* revision = parsed->if_contains("RevisionId");
      revision && revision->is_string()) {
    upload.revision_id = std::string(revision->get_string());
  }
  auto code = ParseCodeUpdate(*parsed, base);
  if (!code.ok()) return code.status();
  upload.zip = std::move(code->zip);
  upload.s3_bucket = std::move(code->s3_bucket);
  upload.s3_key = std::move(code->s3_key);
  upload.config = std::move(base);
  return upload;
}

}  // namespace serval::lambda
