// RestApi resources (resource_appliers.h), through API Gateway's REST API: an API imported from
// an OpenAPI or Swagger document and deployed to a stage.
//
// Whether the document changed is read from the stage: every deployment deploy makes carries
// the SHA-256 of the document it was made from in its description, so the deployment a stage
// serves says which document that is. API Gateway offers no better place: ImportRestApi takes
// no tags and Serval has no TagResource, and comparing GetExport's output with the document
// would compare two different writings of one API. A change made by hand and deployed is
// overwritten by the next deploy; one made by hand and not deployed is not seen.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <boost/json.hpp>
#include <map>
#include <optional>

#include "common/crypto.h"
#include "common/json_fields.h"
#include "common/percent_encoding.h"
#include "server/resource_appliers.h"

namespace serval::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kFingerprintPrefix = "serval deploy: document sha256 ";
// GetRestApis' largest page.
constexpr int kPageSize = 500;

absl::Status Invalid(std::string_view name, std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("RestApi {}: {}", name, what));
}

// The document to import: Body substituted, every Placeholders key replaced by its value in
// every string, and info.title set to Name (Name overrides the document's title, as in
// CloudFormation, so that deploy finds the API by the name the manifest gives).
absl::StatusOr<json::object> DocumentOf(const ResourceProperties& properties,
                                        const std::string& name) {
  auto body = properties.Get("Body");
  if (!body.ok()) return body.status();
  if (!*body || !(*body)->is_object()) return Invalid(name, "Body must be an object");
  auto placeholders = properties.Get("Placeholders");
  if (!placeholders.ok()) return placeholders.status();
  std::map<std::string, std::string> replacements;
  if (*placeholders) {
    const json::object* object = (*placeholders)->if_object();
    if (!object) return Invalid(name, "Placeholders must be an object");
    for (const auto& [text, value] : *object) {
      if (text.empty() || !value.is_string()) {
        return Invalid(name, "Placeholders must map text to strings");
      }
      replacements[std::string(text)] = std::string(value.get_string());
    }
  }
  auto replaced = MapJsonStrings(**body, [&](std::string_view text) -> absl::StatusOr<std::string> {
    std::string out(text);
    for (const auto& [placeholder, value] : replacements) {
      for (size_t at = out.find(placeholder); at != std::string::npos;
           at = out.find(placeholder, at + value.size())) {
        out.replace(at, placeholder.size(), value);
      }
    }
    return out;
  });
  if (!replaced.ok()) return replaced.status();
  json::object document = std::move(replaced->get_object());
  json::value& info = document["info"];
  if (!info.is_object()) info = json::object{};
  info.get_object()["title"] = name;
  return document;
}

absl::StatusOr<std::map<std::string, std::string>> StageVariablesOf(
    const ResourceProperties& properties, const std::string& name) {
  auto variables = properties.Get("StageVariables");
  if (!variables.ok()) return variables.status();
  std::map<std::string, std::string> out;
  if (!*variables) return out;
  if (!(*variables)->is_object()) return Invalid(name, "StageVariables must be an object");
  for (const auto& [key, value] : (*variables)->get_object()) {
    if (!value.is_string()) return Invalid(name, "StageVariables values must be strings");
    out[std::string(key)] = std::string(value.get_string());
  }
  return out;
}

absl::StatusOr<bool> FailOnWarningsOf(const ResourceProperties& properties,
                                      const std::string& name) {
  auto fail = properties.Get("FailOnWarnings");
  if (!fail.ok()) return fail.status();
  if (!*fail) return true;
  if (!(*fail)->is_bool()) return Invalid(name, "FailOnWarnings must be true or false");
  return (*fail)->get_bool();
}

// The id of the API named `name`, or nullopt; FailedPrecondition when several share the name
// (API Gateway allows it, and deploy would not know which one to change).
absl::StatusOr<std::optional<std::string>> FindApiNamed(const AwsApi& api,
                                                        const std::string& name) {
  std::vector<std::string> ids;
  std::string position;
  do {
    std::string target = fmt::format("/restapis?limit={}", kPageSize);
    if (!position.empty()) target += "&position=" + PercentEncode(position);
    auto response = api.Call("apigateway", "GET", target);
    if (auto status = Expect2xx("GetRestApis", response); !status.ok()) return status;
    auto page = JsonObjectOf(*response, "GetRestApis");
    if (!page.ok()) return page.status();
    if (const json::value* items = page->if_contains("item"); items && items->is_array()) {
      for (const json::value& item : items->get_array()) {
        if (item.is_object() && StringMember(item.get_object(), "name") == name) {
          ids.push_back(StringMember(item.get_object(), "id"));
        }
      }
    }
    position = StringMember(*page, "position");
  } while (!position.empty());
  if (ids.size() > 1) {
    return absl::FailedPreconditionError(fmt::format(
        "{} REST APIs are named \"{}\" ({}); delete the extra ones with `aws apigateway "
        "delete-rest-api`",
        ids.size(), name, fmt::join(ids, ", ")));
  }
  if (ids.empty()) return std::nullopt;
  return ids.front();
}

// What a stage serves: the fingerprint its deployment carries, and its variables.
struct Served {
  std::string fingerprint;
  std::map<std::string, std::string> variables;
};

// nullopt when the API has no such stage.
absl::StatusOr<std::optional<Served>> StageOf(const AwsApi& api, const std::string& id,
                                              const std::string& stage) {
  const std::string path = fmt::format("/restapis/{}/", PercentEncode(id));
  auto response = api.Call("apigateway", "GET", path + "stages/" + PercentEncode(stage));
  if (!response.ok()) return response.status();
  if (response->status == 404) return std::nullopt;
  if (response->status / 100 != 2) return CallRefused("GetStage " + stage, *response);
  auto found = JsonObjectOf(*response, "GetStage");
  if (!found.ok()) return found.status();
  Served served{.variables = StringMapFromJson(found->if_contains("variables"))};
  const std::string deployment = StringMember(*found, "deploymentId");
  auto deployed = api.Call("apigateway", "GET", path + "deployments/" + PercentEncode(deployment));
  if (auto status = Expect2xx("GetDeployment " + deployment, deployed); !status.ok()) {
    return status;
  }
  auto description = JsonObjectOf(*deployed, "GetDeployment");
  if (!description.ok()) return description.status();
  served.fingerprint = StringMember(*description, "description");
  return served;
}

bool Includes(const std::map<std::string, std::string>& have,
              const std::map<std::string, std::string>& want) {
  for (const auto& [key, value] : want) {
    if (auto it = have.find(key); it == have.end() || it->second != value) return false;
  }
  return true;
}

// The account the endpoint's API Gateway runs in, for the execute-api ARN. Serval has no STS
// GetCallerIdentity yet, so it is read where API Gateway names it, as AWS's does: the answer to
// GetRestApi for an id that cannot exist, "Invalid API identifier specified ACCOUNT:ID".
absl::StatusOr<std::string> AccountOf(const AwsApi& api) {
  constexpr std::string_view kProbe = "serval-account";
  auto response = api.Call("apigateway", "GET", fmt::format("/restapis/{}", kProbe));
  if (!response.ok()) return response.status();
  auto answer = JsonObjectOf(*response, "GetRestApi");
  const std::string message = answer.ok() ? StringMember(*answer, "message") : "";
  const size_t end = message.rfind(fmt::format(":{}", kProbe));
  const size_t start = message.rfind(' ', end) + 1;
  if (response->status != 404 || end == std::string::npos || start > end) {
    return absl::InternalError("GetRestApi does not name the account: " + response->body);
  }
  return message.substr(start, end - start);
}

}  // namespace

absl::StatusOr<Applied> ApplyRestApi(ResourceProperties& properties, const DeployContext& context) {
  const AwsApi& api = *context.api;
  auto name = properties.String("Name");
  if (!name.ok()) return name.status();
  auto stage = properties.String("StageName");
  if (!stage.ok()) return stage.status();
  auto document = DocumentOf(properties, *name);
  if (!document.ok()) return document.status();
  auto variables = StageVariablesOf(properties, *name);
  if (!variables.ok()) return variables.status();
  auto fail_on_warnings = FailOnWarningsOf(properties, *name);
  if (!fail_on_warnings.ok()) return fail_on_warnings.status();
  const std::string body = json::serialize(*document);
  const std::string fingerprint =
      fmt::format("{}{}", kFingerprintPrefix, Base64Encode(Sha256(body)));
  const std::string query = fmt::format("failonwarnings={}", *fail_on_warnings);
  const std::vector<std::pair<std::string, std::string>> json_type = {
      {"Content-Type", "application/json"}};

  Applied applied{.name = *name, .outcome = "unchanged"};
  auto existing = FindApiNamed(api, *name);
  if (!existing.ok()) return existing.status();
  std::string id;
  bool deploy = true;
  if (!*existing) {
    auto imported =
        api.Call("apigateway", "POST", "/restapis?mode=import&" + query, body, json_type);
    if (auto status = Expect2xx("ImportRestApi " + *name, imported); !status.ok()) return status;
    auto answer = JsonObjectOf(*imported, "ImportRestApi");
    if (!answer.ok()) return answer.status();
    id = StringMember(*answer, "id");
    applied.outcome = "created";
  } else {
    id = **existing;
    auto served = StageOf(api, id, *stage);
    if (!served.ok()) return served.status();
    if (!*served || (*served)->fingerprint != fingerprint) {
      auto put = api.Call("apigateway", "PUT",
                          fmt::format("/restapis/{}?mode=overwrite&{}", PercentEncode(id), query),
                          body, json_type);
      if (auto status = Expect2xx("PutRestApi " + *name, put); !status.ok()) return status;
    } else {
      deploy = !Includes((*served)->variables, *variables);
    }
    if (deploy) applied.outcome = "updated";
  }
  if (deploy) {
    json::object deployment{{"stageName", *stage}, {"description", fingerprint}};
    if (!variables->empty()) deployment["variables"] = StringMapToJson(*variables);
    auto created =
        api.Call("apigateway", "POST", fmt::format("/restapis/{}/deployments", PercentEncode(id)),
                 json::serialize(deployment), json_type);
    if (auto status = Expect2xx("CreateDeployment " + *stage, created); !status.ok()) {
      return status;
    }
  }
  auto account = AccountOf(api);
  if (!account.ok()) return account.status();
  applied.arn = fmt::format("arn:aws:execute-api:{}:{}:{}", api.region(), *account, id);
  applied.details = {
      fmt::format("invoke URL: http://{}.execute-api.localhost:{}/{}", id, api.port(), *stage),
      fmt::format("invoke URL: http://{}:{}/restapis/{}/{}/_user_request_", api.host(), api.port(),
                  id, *stage)};
  return applied;
}

}  // namespace serval::server
