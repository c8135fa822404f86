#include "server/deploy_command.h"

#include <fmt/format.h>
#include <unistd.h>
#include <zip.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_fields.h"
#include "http/client.h"
#include "http/sigv4.h"

namespace serval::server {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string Env(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path.string());
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A zip holding `binary` as an executable `bootstrap`, built with libzip through a temp file.
absl::StatusOr<std::string> ZipBootstrap(const fs::path& binary) {
  const fs::path zip_path =
      fs::temp_directory_path() / fmt::format("serval-deploy-{}.zip", getpid());
  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!archive) return absl::InternalError("cannot create " + zip_path.string());
  zip_source_t* source = zip_source_file(archive, binary.c_str(), 0, -1);
  const zip_int64_t index = source ? zip_file_add(archive, "bootstrap", source, 0) : -1;
  if (index < 0 ||
      zip_file_set_external_attributes(archive, index, 0, ZIP_OPSYS_UNIX, 0100755u << 16) != 0 ||
      zip_close(archive) != 0) {
    zip_discard(archive);
    return absl::InternalError("cannot zip " + binary.string());
  }
  auto bytes = ReadFile(zip_path);
  std::error_code ignored;
  fs::remove(zip_path, ignored);
  return bytes;
}

// Calls Serval's Lambda API, signed like an AWS SDK call.
class LambdaApi {
 public:
  LambdaApi(std::string host, uint16_t port) : host_(std::move(host)), port_(port) {}

  absl::StatusOr<http::Response> Call(const std::string& method, const std::string& path,
                                      const std::string& body = "") {
    http::Request request{.method = method, .target = path, .body = body};
    request.headers = {{"Host", fmt::format("{}:{}", host_, port_)},
                       {"Content-Type", "application/json"}};
    http::SignRequest(request, Env("AWS_ACCESS_KEY_ID", "test"),
                      Env("AWS_SECRET_ACCESS_KEY", "test"),
                      Env("AWS_REGION", Env("AWS_DEFAULT_REGION", "us-east-1").c_str()), "lambda",
                      RealClock::Instance().NowMillis());
    return http::Fetch(host_, port_, std::move(request));
  }

 private:
  std::string host_;
  uint16_t port_;
};

absl::Status Expect(const absl::StatusOr<http::Response>& response, const std::string& what) {
  if (!response.ok()) return response.status();
  if (response->status >= 300) {
    return absl::FailedPreconditionError(
        fmt::format("{} failed with HTTP {}: {}", what, response->status, response->body));
  }
  return absl::OkStatus();
}

absl::Status DeployBlueprint(const fs::path& dir, const std::string& endpoint_url,
                             std::string* arn) {
  auto manifest_text = ReadFile(dir / "serval-blueprint.json");
  if (!manifest_text.ok()) return manifest_text.status();
  auto manifest = ParseStoredObject(*manifest_text);
  if (!manifest.ok()) {
    return absl::InvalidArgumentError((dir / "serval-blueprint.json").string() +
                                      " is not a JSON object");
  }
  const std::string name = StringMember(*manifest, "FunctionName");
  const std::string target = StringMember(*manifest, "Bootstrap");
  if (name.empty() || target.empty()) {
    return absl::InvalidArgumentError("serval-blueprint.json needs FunctionName and Bootstrap");
  }
  std::error_code ec;
  const fs::path build_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  const fs::path binary = build_dir / "blueprints" / fs::absolute(dir).filename() / target;
  if (!fs::exists(binary)) {
    return absl::NotFoundError(fmt::format("{} is not built (cmake --build {} --target {})",
                                           binary.string(), build_dir.string(), target));
  }
  auto zip = ZipBootstrap(binary);
  if (!zip.ok()) return zip.status();

  // http://host:port
  const std::string prefix = "http://";
  if (!endpoint_url.starts_with(prefix)) {
    return absl::InvalidArgumentError("--endpoint-url must be http://HOST:PORT");
  }
  const std::string host_port = endpoint_url.substr(prefix.size());
  const size_t colon = host_port.rfind(':');
  const std::string host = host_port.substr(0, colon);
  const int port = colon == std::string::npos ? 80 : std::atoi(host_port.c_str() + colon + 1);
  LambdaApi api(host, static_cast<uint16_t>(port));

  json::object configuration;
  for (const char* key : {"Runtime", "Handler", "Description"}) {
    if (const json::value* value = manifest->if_contains(key)) configuration[key] = *value;
  }
  for (const char* key : {"MemorySize", "Timeout"}) {
    if (const json::value* value = manifest->if_contains(key)) configuration[key] = *value;
  }
  const std::string function_path = "/2015-03-31/functions/" + name;
  auto existing = api.Call("GET", function_path);
  if (!existing.ok()) return existing.status();
  absl::StatusOr<http::Response> result;
  if (existing->status == 404) {
    json::object create = configuration;
    create["FunctionName"] = name;
    create["Role"] = "arn:aws:iam::000000000000:role/serval-blueprint";
    create["Code"] = json::object{{"ZipFile", Base64Encode(*zip)}};
    result = api.Call("POST", "/2015-03-31/functions", json::serialize(create));
    if (auto status = Expect(result, "CreateFunction"); !status.ok()) return status;
  } else {
    if (auto status = Expect(existing, "GetFunction"); !status.ok()) return status;
    auto code = api.Call("PUT", function_path + "/code",
                         json::serialize(json::object{{"ZipFile", Base64Encode(*zip)}}));
    if (auto status = Expect(code, "UpdateFunctionCode"); !status.ok()) return status;
    result = api.Call("PUT", function_path + "/configuration", json::serialize(configuration));
    if (auto status = Expect(result, "UpdateFunctionConfiguration"); !status.ok()) return status;
  }
  auto answer = ParseStoredObject(result->body);
  *arn = answer.ok() ? StringMember(*answer, "FunctionArn") : name;
  return absl::OkStatus();
}

}  // namespace

int Deploy(const std::string& blueprint_dir, const std::string& endpoint_url) {
  std::string arn;
  if (auto status = DeployBlueprint(blueprint_dir, endpoint_url, &arn); !status.ok()) {
    fmt::print(stderr, "serval deploy: {}\n", std::string(status.message()));
    return 1;
  }
  fmt::print("Deployed {} from {} to {}\n", arn, blueprint_dir, endpoint_url);
  return 0;
}

}  // namespace serval::server
