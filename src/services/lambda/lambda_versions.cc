// Versions and aliases: PublishVersion, ListVersionsByFunction and the alias operations.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/ids.h"
#include "common/json_fields.h"
#include "protocol/validation.h"
#include "services/lambda/errors.h"
#include "services/lambda/function_request.h"
#include "services/lambda/lambda_service.h"

namespace serval::lambda {
namespace {

namespace json = boost::json;

constexpr int kDefaultListMaxItems = 50;

}  // namespace

void LambdaService::PublishLatest(Call& call, const std::string& name,
                                  const std::string& description, int success_status) {
  // Answers with version `number` as the registry holds it once that is durable.
  auto reply = [this, name, success_status](Call& call, int number) {
    const FunctionRegistry::Function* function = deps_.registry->Find(name);
    const FunctionRegistry::Entry* version =
        function ? function->Version(std::to_string(number)) : nullptr;
    if (!version) {  // deleted meanwhile, or its publish was not written
      return call.Fail(
          FunctionNotFound(LambdaFunctionArn(deps_.account, name, std::to_string(number))));
    }
    json::object out;
    WriteFunctionConfiguration(*version->config, deps_.account, out);
    call.Reply(success_status, out);
  };
  const FunctionRegistry::Function* function = deps_.registry->Find(name);
  const FunctionConfig& latest = *function->latest.config;
  if (latest.last_published_version > 0 && latest.published_revision_id == latest.revision_id &&
      function->Version(std::to_string(latest.last_published_version))) {
    // Nothing changed since: AWS returns the existing version, which a publish a moment ago may
    // still be writing.
    return deps_.registry->WhenSettled(
        [call = std::move(call), reply, number = latest.last_published_version]() mutable {
          reply(call, number);
        });
  }
  deps_.registry->Publish(name, description,
                          [call = std::move(call), reply](absl::StatusOr<int> number) mutable {
                            if (!number.ok()) return call.Fail(number.status());
                            reply(call, *number);
                          });
}

void LambdaService::PublishVersion(Call& call) {
  auto body = ParseBody(call.request.body.empty() ? "{}" : call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  const FunctionConfig& latest = *call.function->latest.config;
  const std::string sha = StringMember(*body, "CodeSha256");
  if (!sha.empty() && sha != latest.code_sha256) {
    return call.Fail(InvalidParameter(fmt::format(
        "CodeSHA256 ({}) is different from current CodeSHA256 in $LATEST ({}). Please try again",
        sha, latest.code_sha256)));
  }
  const std::string revision = StringMember(*body, "RevisionId");
  if (!revision.empty() && revision != latest.revision_id) {
    return call.Fail(RevisionMismatch());
  }
  const std::string name = call.name;
  PublishLatest(call, name, StringMember(*body, "Description"), 201);
}

void LambdaService::ListVersions(Call& call) {
  auto max_items = ParseMaxItems(call.request.QueryParam("MaxItems"), kDefaultListMaxItems);
  if (!max_items.ok()) return call.Fail(max_items.status());
  auto after = DecodeMarker(call.request.QueryParam("Marker"));
  if (!after.ok()) return call.Fail(after.status());
  // $LATEST first, then published versions in order; the marker is the last version listed.
  std::vector<const FunctionRegistry::Entry*> all = {&call.function->latest};
  for (const auto& [number, entry] : call.function->versions) all.push_back(&entry);
  size_t start = 0;
  if (!after->empty()) {
    while (start < all.size() && all[start]->config->version != *after) ++start;
    ++start;
  }
  json::array versions;
  size_t index = start;
  for (; index < all.size() && versions.size() < static_cast<size_t>(*max_items); ++index) {
    json::object entry;
    WriteFunctionConfiguration(*all[index]->config, deps_.account, entry);
    entry["FunctionArn"] = LambdaFunctionArn(deps_.account, call.name, all[index]->config->version);
    versions.emplace_back(std::move(entry));
  }
  json::object out;
  out["Versions"] = std::move(versions);
  if (index < all.size()) out["NextMarker"] = EncodeMarker(all[index - 1]->config->version);
  call.Reply(200, out);
}

namespace {

// Checks that an alias points at versions that exist and routes only between published ones.
absl::Status CheckAliasTargets(const FunctionRegistry::Function& function, const AliasConfig& alias,
                               const AccountContext& account, const std::string& name) {
  if (!function.Version(alias.function_version)) {
    return FunctionNotFound(LambdaFunctionArn(account, name, alias.function_version));
  }
  for (const auto& [version, weight] : alias.additional_version_weights) {
    if (alias.function_version == kLatest) {
      return InvalidParameter(
          "$LATEST is not supported for an alias pointing to more than 1 version");
    }
    if (version == alias.function_version) {
      return InvalidParameter("Primary and additional version cannot be the same");
    }
    if (version == kLatest || !function.Version(version)) {
      return InvalidParameter(
          fmt::format("Version {} of function {} does not exist, or "
                      "additional versions must be published versions",
                      version, name));
    }
  }
  return absl::OkStatus();
}

}  // namespace

void LambdaService::CreateAlias(Call& call) {
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  AliasConfig alias;
  alias.name = StringMember(*body, "Name");
  if (auto status = ValidateAliasName(alias.name); !status.ok()) return call.Fail(status);
  if (auto status = ApplyAliasFields(*body, alias); !status.ok()) return call.Fail(status);
  if (alias.function_version.empty()) {
    return call.Fail(protocol::MissingMember("functionVersion"));
  }
  if (call.function->aliases.count(alias.name)) {
    return call.Fail(ResourceConflict("Alias already exists: " +
                                      LambdaFunctionArn(deps_.account, call.name, alias.name)));
  }
  StoreAlias(call, std::move(alias), 201);
}

void LambdaService::StoreAlias(Call& call, AliasConfig alias, int success_status) {
  if (auto status = CheckAliasTargets(*call.function, alias, deps_.account, call.name);
      !status.ok()) {
    return call.Fail(status);
  }
  alias.revision_id = NewUuid();
  json::object out;
  WriteAliasConfiguration(alias, call.name, deps_.account, out);
  const std::string name = call.name;
  deps_.registry->PutAlias(name, std::move(alias),
                           Answer(std::move(call), Replying(success_status, std::move(out))));
}

void LambdaService::GetAlias(Call& call) {
  auto alias = call.function->aliases.find(call.Label("Name"));
  if (alias == call.function->aliases.end()) {
    return call.Fail(
        AliasNotFound(LambdaFunctionArn(deps_.account, call.name, call.Label("Name"))));
  }
  json::object out;
  WriteAliasConfiguration(alias->second, call.name, deps_.account, out);
  call.Reply(200, out);
}

void LambdaService::ListAliases(Call& call) {
  auto max_items = ParseMaxItems(call.request.QueryParam("MaxItems"), kDefaultListMaxItems);
  if (!max_items.ok()) return call.Fail(max_items.status());
  auto after = DecodeMarker(call.request.QueryParam("Marker"));
  if (!after.ok()) return call.Fail(after.status());
  const auto version_filter = call.request.QueryParam("FunctionVersion");
  const auto& aliases = call.function->aliases;
  auto it = after->empty() ? aliases.begin() : aliases.upper_bound(*after);
  json::array listed;
  std::string last;
  for (; it != aliases.end() && listed.size() < static_cast<size_t>(*max_items); ++it) {
    if (version_filter && !version_filter->empty() &&
        it->second.function_version != *version_filter) {
      continue;
    }
    json::object entry;
    WriteAliasConfiguration(it->second, call.name, deps_.account, entry);
    listed.emplace_back(std::move(entry));
    last = it->first;
  }
  json::object out;
  out["Aliases"] = std::move(listed);
  if (it != aliases.end()) out["NextMarker"] = EncodeMarker(last);
  call.Reply(200, out);
}

void LambdaService::UpdateAlias(Call& call) {
  auto existing = call.function->aliases.find(call.Label("Name"));
  if (existing == call.function->aliases.end()) {
    return call.Fail(
        AliasNotFound(LambdaFunctionArn(deps_.account, call.name, call.Label("Name"))));
  }
  auto body = ParseBody(call.request.body);
  if (!body.ok()) return call.Fail(body.status());
  const std::string revision = StringMember(*body, "RevisionId");
  if (!revision.empty() && revision != existing->second.revision_id) {
    return call.Fail(RevisionMismatch());
  }
  AliasConfig alias = existing->second;
  if (auto status = ApplyAliasFields(*body, alias); !status.ok()) return call.Fail(status);
  StoreAlias(call, std::move(alias), 200);
}

void LambdaService::DeleteAlias(Call& call) {
  if (!call.function->aliases.count(call.Label("Name"))) {
    return call.Fail(
        AliasNotFound(LambdaFunctionArn(deps_.account, call.name, call.Label("Name"))));
  }
  const std::string name = call.name;
  const std::string alias = call.Label("Name");
  deps_.registry->RemoveAlias(
      name, alias, Answer(std::move(call), [this, alias](Call& call) {
        // The alias's function URL goes with it (a new alias of the same name has none).
        if (!call.function || !call.function->latest.config->function_urls.contains(alias)) {
          return call.ReplyEmpty(204);
        }
        UpdateMetadata(
            call, [&](FunctionConfig& config) { config.function_urls.erase(alias); },
            ReplyingEmpty(204));
      }));
}

}  // namespace serval::lambda
