#include "services/apigatewayv2/jwt_authorizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "absl/strings/str_join.h"
#include "common/json_fields.h"
#include "common/text.h"
#include "services/apigatewayv2/identity_source.h"
#include "services/apigatewayv2/jwt.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

constexpr char kDefaultIdentitySource[] = "$request.header.Authorization";

// The 401 for a token that fails, saying why as AWS does.
Authorization InvalidToken(std::string_view why) {
  http::Response response = GatewayAnswer(401, "Unauthorized");
  response.SetHeader(
      "www-authenticate",
      fmt::format(R"(Bearer scope="" error="invalid_token" error_description="{}")", why));
  return {.denial = std::move(response)};
}

std::vector<std::string> StringsOf(const json::value* list) {
  std::vector<std::string> out;
  if (!list || !list->is_array()) return out;
  for (const json::value& item : list->get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

// The token the identity source carries, without a "Bearer " prefix.
std::string TokenOf(const json::object& authorizer, const ProxyRequest& proxy) {
  const std::vector<std::string> sources = StringsOf(authorizer.if_contains("identitySource"));
  std::string token =
      IdentityValue(sources.empty() ? kDefaultIdentitySource : sources.front(), proxy);
  constexpr std::string_view kBearer = "Bearer ";
  if (StartsWithIgnoreCase(token, kBearer)) token.erase(0, kBearer.size());
  return std::string(TrimBlanks(token));
}

// What a passing token tells the integration.
std::string AuthorizerJson(const Jwt& token, const std::vector<std::string>& required_scopes,
                           PayloadFormat format) {
  json::value scopes = nullptr;
  if (!required_scopes.empty()) {
    json::array granted;
    for (const std::string& scope : JwtScopes(token.claims)) granted.emplace_back(scope);
    scopes = std::move(granted);
  }
  json::object jwt{{"claims", ClaimsAsStrings(token.claims)}, {"scopes", std::move(scopes)}};
  return json::serialize(format == PayloadFormat::kV2 ? json::object{{"jwt", std::move(jwt)}}
                                                      : std::move(jwt));
}

}  // namespace

void JwtAuthorizer::Authorize(const json::object& authorizer, const json::object& route,
                              const ProxyRequest& proxy, PayloadFormat format,
                              AuthorizationCallback done) {
  const json::value* config = authorizer.if_contains("jwtConfiguration");
  if (!config || !config->is_object()) return done(InvalidToken("the authorizer is misconfigured"));
  JwtRules rules{.issuer = StringMember(config->get_object(), "issuer"),
                 .audiences = StringsOf(config->get_object().if_contains("audience"))};
  const std::string token_text = TokenOf(authorizer, proxy);
  if (token_text.empty()) return done(InvalidToken("the token is missing"));
  absl::StatusOr<Jwt> token = DecodeJwt(token_text);
  if (!token.ok()) return done(InvalidToken(std::string(token.status().message())));
  if (absl::Status claims = CheckJwtClaims(*token, rules, clock_->NowMillis() / 1000);
      !claims.ok()) {
    return done(InvalidToken(std::string(claims.message())));
  }
  std::vector<std::string> required_scopes = StringsOf(route.if_contains("authorizationScopes"));
  const std::string key_id = token->key_id;
  keys_.FindKey(
      rules.issuer, key_id,
      [token = *std::move(token), required_scopes = std::move(required_scopes), format,
       request_id = proxy.request_id, issuer = rules.issuer,
       done = std::move(done)](absl::StatusOr<json::object> key) {
        if (!key.ok()) {
          if (key.status().code() == absl::StatusCode::kUnavailable) {
            // The issuer's keys cannot be had: fail closed, and tell the operator why.
            fmt::print(stderr,
                       "serval: execute-api {}: JWT authorizer: no signing keys of {}: {}\n",
                       request_id, issuer, std::string(key.status().message()));
            return done(InvalidToken("the signing keys could not be fetched"));
          }
          return done(InvalidToken(std::string(key.status().message())));
        }
        if (absl::Status valid = VerifyJwtSignature(token, *key); !valid.ok()) {
          return done(InvalidToken(std::string(valid.message())));
        }
        const std::vector<std::string> granted = JwtScopes(token.claims);
        const bool scoped =
            required_scopes.empty() ||
            std::any_of(required_scopes.begin(), required_scopes.end(), [&](const auto& scope) {
              return std::find(granted.begin(), granted.end(), scope) != granted.end();
            });
        if (!scoped) {
          http::Response response = GatewayAnswer(403, "Forbidden");
          const std::string expected = absl::StrJoin(required_scopes, " ");
          response.SetHeader(
              "www-authenticate",
              fmt::format(
                  R"(Bearer scope="{}" error="insufficient_scope" error_description="expected scopes: [{}]")",
                  expected, expected));
          return done({.denial = std::move(response)});
        }
        done({.authorizer_json = AuthorizerJson(token, required_scopes, format)});
      });
}

}  // namespace serval::apigatewayv2
