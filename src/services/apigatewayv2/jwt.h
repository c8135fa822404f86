#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace serval::apigatewayv2 {

// JSON Web Tokens as an HTTP API's JWT authorizer checks them (RFC 7519, signed as RFC 7515's
// compact form). API Gateway accepts RSA signatures only (RS256, RS384, RS512); "none", HMAC
// and EC tokens are refused. Every error is InvalidArgument (Unauthenticated for the key
// lookup's callers) with a message fit for the error_description of the 401's
// www-authenticate header. Thread-safe (pure functions).

struct Jwt {
  boost::json::object header;
  boost::json::object claims;
  std::string signing_input;  // "header.payload", as the signature covers it
  std::string signature;      // raw bytes
  std::string algorithm;      // header "alg"
  std::string key_id;         // header "kid"; empty when absent
};

// Splits and decodes a compact JWS (three base64url parts, header and payload JSON objects)
// and checks that its algorithm is one API Gateway accepts.
absl::StatusOr<Jwt> DecodeJwt(std::string_view token);

// Verifies the token's signature with `jwk`, an RSA JSON Web Key ({"kty":"RSA","n":...,"e":...}).
absl::Status VerifyJwtSignature(const Jwt& token, const boost::json::object& jwk);

// What the authorizer requires of the claims: "iss" equal to `issuer`; "aud" (or, without
// "aud", "client_id") naming one of `audiences`; "exp" after `now_seconds`; "nbf" and "iat", when
// present, not after it.
struct JwtRules {
  std::string issuer;
  std::vector<std::string> audiences;
};
absl::Status CheckJwtClaims(const Jwt& token, const JwtRules& rules, int64_t now_seconds);

// The scopes the token grants: its "scope" claim split at spaces, or its "scp" claim (a list or
// a space-separated string).
std::vector<std::string> JwtScopes(const boost::json::object& claims);

// The claims as the integration sees them in requestContext.authorizer: every value a string
// (numbers and booleans as their JSON text, lists and objects as JSON).
boost::json::object ClaimsAsStrings(const boost::json::object& claims);

// base64url with or without padding (RFC 4648 section 5), as JWTs and JWKs encode bytes.
absl::StatusOr<std::string> Base64UrlDecode(std::string_view encoded);

}  // namespace serval::apigatewayv2
