#include "server/deploy_command.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>

#include "server/aws_api.h"
#include "server/blueprint_manifest.h"
#include "server/code_bundle.h"
#include "server/manifest_files.h"
#include "server/resource_appliers.h"

namespace serval::server {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kManifestName = "serval-blueprint.json";

using Applier = absl::StatusOr<Applied> (*)(ResourceProperties&, const DeployContext&);

// What applies each Type (resource_appliers.h).
constexpr std::pair<ResourceType, Applier> kAppliers[] = {
    {ResourceType::kBucket, &ApplyBucket},
    {ResourceType::kTopic, &ApplyTopic},
    {ResourceType::kFunction, &ApplyFunction},
    {ResourceType::kPermission, &ApplyPermission},
    {ResourceType::kSubscription, &ApplySubscription},
    {ResourceType::kBucketNotification, &ApplyBucketNotification},
    {ResourceType::kRestApi, &ApplyRestApi},
    {ResourceType::kTable, &ApplyTable},
    {ResourceType::kLogSubscription, &ApplyLogSubscription},
    {ResourceType::kRole, &ApplyRole},
    {ResourceType::kManagedPolicy, &ApplyManagedPolicy},
    {ResourceType::kRule, &ApplyRule},
};

Applier ApplierFor(ResourceType type) {
  for (const auto& [known, applier] : kAppliers) {
    if (known == type) return applier;
  }
  return nullptr;
}

// Every Function's package, by its serialized Code property, built before any call so that a
// missing file or build target stops the deploy before it changes anything.
absl::StatusOr<std::map<std::string, std::string>> BuildPackages(
    const std::vector<PlannedResource>& plan, const fs::path& dir) {
  std::error_code ec;
  const fs::path build_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  const std::map<std::string, std::string> no_arns;
  std::map<std::string, std::string> zips;
  for (const PlannedResource& resource : plan) {
    if (resource.type != ResourceType::kFunction) continue;
    auto code = ResourceProperties(resource, no_arns).Get("Code");
    if (!code.ok()) return code.status();
    const std::string key = boost::json::serialize(**code);
    if (zips.count(key)) continue;
    auto zip = BuildCodeZip(**code, dir, build_dir);
    if (!zip.ok()) {
      return absl::Status(zip.status().code(), fmt::format("{}: Code: {}", resource.where,
                                                           std::string(zip.status().message())));
    }
    zips[key] = *std::move(zip);
  }
  return zips;
}

absl::Status DeployBlueprint(const DeployOptions& options) {
  const fs::path dir = options.blueprint_dir;
  const std::string manifest_path = (dir / kManifestName).string();
  auto text = ReadBlueprintFile(dir / kManifestName);
  if (!text.ok()) return text.status();
  auto manifest = ParseManifest(*text);
  if (!manifest.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", manifest_path, std::string(manifest.status().message())));
  }
  if (auto inlined = InlinePropertyFiles(*manifest, dir); !inlined.ok()) {
    return absl::Status(inlined.code(),
                        fmt::format("{}: {}", manifest_path, std::string(inlined.message())));
  }
  auto values = ResolveParameters(*manifest, options.parameters);
  if (!values.ok()) return values.status();
  auto api = AwsApi::Connect(options.endpoint_url);
  if (!api.ok()) return api.status();
  auto plan = PlanResources(*manifest, *values, api->region());
  if (!plan.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", manifest_path, std::string(plan.status().message())));
  }
  auto zips = BuildPackages(*plan, dir);
  if (!zips.ok()) return zips.status();
  const DeployContext context{.api = &*api, .code_zips = &*zips};
  std::map<std::string, std::string> arns;  // by resource Id
  std::map<std::string, int> outcomes;
  for (const PlannedResource& resource : *plan) {
    ResourceProperties properties(resource, arns);
    const Applier apply = ApplierFor(resource.type);
    if (!apply) return absl::InternalError(fmt::format("{}: no applier", resource.where));
    auto applied = apply(properties, context);
    if (!applied.ok()) {
      return absl::Status(
          applied.status().code(),
          fmt::format("{}: {}", resource.where, std::string(applied.status().message())));
    }
    if (!resource.id.empty()) arns[resource.id] = applied->arn;
    ++outcomes[applied->outcome];
    fmt::print("{} {}: {}{}\n", ResourceTypeName(resource.type), applied->name, applied->outcome,
               applied->arn.empty() ? "" : fmt::format(" ({})", applied->arn));
    for (const std::string& detail : applied->details) fmt::print("  {}\n", detail);
  }
  fmt::print("Deployed {} from {} to {}: {} created, {} updated, {} unchanged\n",
             plan->size() == 1 ? "1 resource" : fmt::format("{} resources", plan->size()),
             options.blueprint_dir, options.endpoint_url, outcomes["created"], outcomes["updated"],
             outcomes["unchanged"]);
  return absl::OkStatus();
}

}  // namespace

int Deploy(const DeployOptions& options) {
  if (auto status = DeployBlueprint(options); !status.ok()) {
    fmt::print(stderr, "serval deploy: {}\n", std::string(status.message()));
    return 1;
  }
  return 0;
}

}  // namespace serval::server
