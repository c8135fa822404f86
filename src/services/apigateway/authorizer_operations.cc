// The control plane's Lambda and Cognito authorizers of an API.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/text.h"
#include "services/apigateway/apigateway_errors.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/request_body.h"
#include "services/apigateway/rest_api_json.h"
#include "services/apigateway/selection_pattern.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

constexpr std::string_view kIdentityPrefix = "method.request.header.";
constexpr int64_t kMaxTtlSeconds = 3600;

// An authorizer as API Gateway admits it; fills in the authType it defaults.
absl::Status CheckAuthorizer(Authorizer& authorizer) {
  if (authorizer.name.empty()) return BadRequest("Authorizer name must be non-empty");
  const bool lambda = authorizer.type == "TOKEN" || authorizer.type == "REQUEST";
  if (!lambda && authorizer.type != "COGNITO_USER_POOLS") {
    return BadRequest(
        "Invalid authorizer type specified. Valid options are TOKEN,REQUEST,COGNITO_USER_POOLS");
  }
  if (lambda && authorizer.authorizer_uri.empty()) {
    return BadRequest("Authorizer URI must be specified for authorizer type " + authorizer.type);
  }
  if (!lambda && authorizer.provider_arns.empty()) {
    return BadRequest("ProviderARNs must be specified for authorizer type COGNITO_USER_POOLS");
  }
  if (authorizer.type == "TOKEN" && !(authorizer.identity_source.starts_with(kIdentityPrefix) &&
                                      authorizer.identity_source.size() > kIdentityPrefix.size())) {
    return BadRequest(
        "Invalid identity source specified: a TOKEN authorizer takes one "
        "method.request.header.NAME");
  }
  if (authorizer.authorizer_result_ttl_in_seconds &&
      (*authorizer.authorizer_result_ttl_in_seconds < 0 ||
       *authorizer.authorizer_result_ttl_in_seconds > kMaxTtlSeconds)) {
    return BadRequest("Invalid authorizerResultTtlInSeconds: must be between 0 and 3600");
  }
  if (!authorizer.identity_validation_expression.empty()) {
    if (auto compiled = SelectionPattern::Compile(authorizer.identity_validation_expression);
        !compiled.ok()) {
      return BadRequest("Invalid identity validation expression specified");
    }
  }
  if (authorizer.auth_type.empty()) authorizer.auth_type = lambda ? "custom" : "cognito_user_pools";
  return absl::OkStatus();
}

// Applies UpdateAuthorizer's patch operations.
absl::Status PatchAuthorizer(const std::vector<PatchOperation>& patch, Authorizer& authorizer) {
  static const std::map<std::string, std::string Authorizer::*, std::less<>> kStrings = {
      {"/name", &Authorizer::name},
      {"/type", &Authorizer::type},
      {"/authType", &Authorizer::auth_type},
      {"/authorizerUri", &Authorizer::authorizer_uri},
      {"/authorizerCredentials", &Authorizer::authorizer_credentials},
      {"/identitySource", &Authorizer::identity_source},
      {"/identityValidationExpression", &Authorizer::identity_validation_expression}};
  constexpr std::string_view kReplaceable =
      "/name, /type, /authType, /authorizerUri, /authorizerCredentials, /identitySource, "
      "/identityValidationExpression, /authorizerResultTtlInSeconds, /providerARNs";
  for (const PatchOperation& operation : patch) {
    if (operation.path == "/providerARNs" && operation.op != "replace") {
      auto& arns = authorizer.provider_arns;
      if (operation.op == "add") {
        arns.push_back(operation.value);
      } else if (operation.op == "remove") {
        arns.erase(std::remove(arns.begin(), arns.end(), operation.value), arns.end());
      } else {
        return UnsupportedPatch(operation, kReplaceable);
      }
      continue;
    }
    if (operation.op != "replace") return UnsupportedPatch(operation, kReplaceable);
    if (auto field = kStrings.find(operation.path); field != kStrings.end()) {
      authorizer.*(field->second) = operation.value;
    } else if (operation.path == "/authorizerResultTtlInSeconds") {
      int ttl = 0;
      if (!ParseDigits(operation.value, &ttl)) {
        return BadRequest("Invalid authorizerResultTtlInSeconds: must be between 0 and 3600");
      }
      authorizer.authorizer_result_ttl_in_seconds = ttl;
    } else if (operation.path == "/providerARNs") {
      authorizer.provider_arns = {operation.value};
    } else {
      return UnsupportedPatch(operation, kReplaceable);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Authorizer*> FindAuthorizer(RestApi& api, const std::string& id) {
  auto found = api.authorizers.find(id);
  if (found == api.authorizers.end()) return NotFound("Invalid Authorizer identifier specified");
  return &found->second;
}

}  // namespace

void ApiGatewayService::CreateAuthorizer(Call& call) {
  // AWS answers an unknown API here with this conflict (recorded), not NotFound.
  if (store_->Find(call.Label("restapi_id")) == nullptr) {
    return call.Fail(Conflict(
        "Unable to complete operation due to concurrent modification. Please try again later."));
  }
  absl::StatusOr<json::object> body = ParseBody(call.context.request);
  if (!body.ok()) return call.Fail(body.status());
  Authorizer authorizer;
  if (absl::Status read = FromJson(*body, authorizer); !read.ok()) return call.Fail(read);
  if (absl::Status valid = CheckAuthorizer(authorizer); !valid.ok()) return call.Fail(valid);
  EditApi(call, 201, [&](RestApi& api) -> absl::StatusOr<json::object> {
    authorizer.id = NewId();
    json::object answer = ToJson(authorizer);
    api.authorizers[authorizer.id] = std::move(authorizer);
    return answer;
  });
}

void ApiGatewayService::GetAuthorizer(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  auto found = (*entry)->api.authorizers.find(call.Label("authorizer_id"));
  if (found == (*entry)->api.authorizers.end()) {
    return call.Fail(NotFound("Invalid Authorizer identifier specified"));
  }
  call.Reply(200, ToJson(found->second));
}

void ApiGatewayService::GetAuthorizers(Call& call) {
  absl::StatusOr<const ApiStore::Entry*> entry = FindApi(call);
  if (!entry.ok()) return call.Fail(entry.status());
  absl::StatusOr<PageRequest> page = ParsePage(call.context.request);
  if (!page.ok()) return call.Fail(page.status());
  call.Reply(200, ItemsPage((*entry)->api.authorizers, *page,
                            [](const Authorizer& authorizer) { return ToJson(authorizer); }));
}

void ApiGatewayService::UpdateAuthorizer(Call& call) {
  absl::StatusOr<std::vector<PatchOperation>> patch = ParsePatch(call.context.request);
  if (!patch.ok()) return call.Fail(patch.status());
  const std::string id = call.Label("authorizer_id");
  EditApi(call, 200, [&](RestApi& api) -> absl::StatusOr<json::object> {
    absl::StatusOr<Authorizer*> authorizer = FindAuthorizer(api, id);
    if (!authorizer.ok()) return authorizer.status();
    Authorizer updated = **authorizer;
    if (absl::Status patched = PatchAuthorizer(*patch, updated); !patched.ok()) return patched;
    if (absl::Status valid = CheckAuthorizer(updated); !valid.ok()) return valid;
    **authorizer = std::move(updated);
    return ToJson(**authorizer);
  });
}

void ApiGatewayService::DeleteAuthorizer(Call& call) {
  const std::string id = call.Label("authorizer_id");
  EditApi(call, 202, [&](RestApi& api) -> absl::StatusOr<json::object> {
    absl::StatusOr<Authorizer*> authorizer = FindAuthorizer(api, id);
    if (!authorizer.ok()) return authorizer.status();
    for (const auto& [resource_id, resource] : api.resources) {
      for (const auto& [verb, method] : resource.methods) {
        if (method.authorizer_id == id) {
          return Conflict(
              fmt::format("Cannot delete authorizer '{}', is referenced in method: {}/{}",
                          (*authorizer)->name, resource.path, verb));
        }
      }
    }
    api.authorizers.erase(id);
    return json::object();
  });
}

}  // namespace serval::apigateway
