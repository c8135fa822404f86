#include "services/apigatewayv2/jwt.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <boost/json.hpp>
#include <memory>

#include "common/crypto.h"
#include "common/text.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

absl::Status Invalid(std::string_view why) { return absl::InvalidArgumentError(std::string(why)); }

// The digest of each RSA algorithm API Gateway accepts.
const EVP_MD* DigestOf(std::string_view algorithm) {
  if (algorithm == "RS256") return EVP_sha256();
  if (algorithm == "RS384") return EVP_sha384();
  if (algorithm == "RS512") return EVP_sha512();
  return nullptr;
}

absl::StatusOr<json::object> DecodeObject(std::string_view part) {
  auto text = Base64UrlDecode(part);
  if (!text.ok()) return text.status();
  json::error_code ec;
  json::value parsed = json::parse(*text, ec);
  if (ec || !parsed.is_object()) return Invalid("the token is malformed");
  return std::move(parsed.get_object());
}

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// The RSA public key of a JWK's modulus and exponent (OpenSSL 3's EVP_PKEY_fromdata).
absl::StatusOr<PkeyPtr> RsaKeyOf(const json::object& jwk) {
  const json::value* kty = jwk.if_contains("kty");
  const json::value* n = jwk.if_contains("n");
  const json::value* e = jwk.if_contains("e");
  if (!kty || !kty->is_string() || kty->get_string() != "RSA" || !n || !n->is_string() || !e ||
      !e->is_string()) {
    return Invalid("the signing key is not an RSA key");
  }
  auto modulus = Base64UrlDecode(n->get_string());
  auto exponent = Base64UrlDecode(e->get_string());
  if (!modulus.ok() || !exponent.ok()) return Invalid("the signing key is malformed");
  auto to_bn = [](const std::string& bytes) {
    return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                     static_cast<int>(bytes.size()), nullptr);
  };
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_n(to_bn(*modulus), &BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_e(to_bn(*exponent), &BN_free);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> builder(OSSL_PARAM_BLD_new(),
                                                                          &OSSL_PARAM_BLD_free);
  if (!bn_n || !bn_e || !builder ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return Invalid("the signing key is malformed");
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
      OSSL_PARAM_BLD_to_param(builder.get()), &OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Invalid("the signing key is malformed");
  }
  return PkeyPtr(key);
}

// The numeric date claim `name` (seconds), nullopt when absent; InvalidArgument when present
// with another type.
absl::StatusOr<std::optional<int64_t>> NumericDate(const json::object& claims,
                                                   std::string_view name) {
  const json::value* value = claims.if_contains(name);
  if (!value) return std::optional<int64_t>();
  if (value->is_int64()) return std::optional<int64_t>(value->get_int64());
  if (value->is_uint64()) return std::optional<int64_t>(static_cast<int64_t>(value->get_uint64()));
  if (value->is_double()) return std::optional<int64_t>(static_cast<int64_t>(value->get_double()));
  return Invalid(std::string("the token's ") + std::string(name) + " claim is malformed");
}

// The audience the token names: "aud" (a string or a list), else "client_id".
std::vector<std::string> AudiencesOf(const json::object& claims) {
  const json::value* aud = claims.if_contains("aud");
  if (!aud) aud = claims.if_contains("client_id");
  std::vector<std::string> out;
  if (!aud) return out;
  if (aud->is_string()) out.emplace_back(aud->get_string());
  if (aud->is_array()) {
    for (const json::value& item : aud->get_array()) {
      if (item.is_string()) out.emplace_back(item.get_string());
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> Base64UrlDecode(std::string_view encoded) {
  std::string standard(encoded);
  while (!standard.empty() && standard.back() == '=') standard.pop_back();
  for (char& c : standard) {
    if (c == '+' || c == '/') return Invalid("the token is malformed");
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  standard.append((4 - standard.size() % 4) % 4, '=');
  auto decoded = Base64Decode(standard);
  if (!decoded.ok()) return Invalid("the token is malformed");
  return decoded;
}

absl::StatusOr<Jwt> DecodeJwt(std::string_view token) {
  const std::vector<std::string_view> parts = SplitOn(token, '.');
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty()) {
    return Invalid("the token is malformed");
  }
  Jwt jwt;
  auto header = DecodeObject(parts[0]);
  if (!header.ok()) return header.status();
  auto claims = DecodeObject(parts[1]);
  if (!claims.ok()) return claims.status();
  auto signature = Base64UrlDecode(parts[2]);
  if (!signature.ok()) return signature.status();
  jwt.header = *std::move(header);
  jwt.claims = *std::move(claims);
  jwt.signature = *std::move(signature);
  jwt.signing_input = std::string(token.substr(0, parts[0].size() + 1 + parts[1].size()));
  if (const json::value* alg = jwt.header.if_contains("alg"); alg && alg->is_string()) {
    jwt.algorithm = alg->get_string();
  }
  if (const json::value* kid = jwt.header.if_contains("kid"); kid && kid->is_string()) {
    jwt.key_id = kid->get_string();
  }
  if (DigestOf(jwt.algorithm) == nullptr) {
    return Invalid("signing method " + (jwt.algorithm.empty() ? "none" : jwt.algorithm) +
                   " is invalid");
  }
  return jwt;
}

absl::Status VerifyJwtSignature(const Jwt& token, const json::object& jwk) {
  auto key = RsaKeyOf(jwk);
  if (!key.ok()) return key.status();
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  const bool valid =
      context &&
      EVP_DigestVerifyInit(context.get(), nullptr, DigestOf(token.algorithm), nullptr,
                           key->get()) == 1 &&
      EVP_DigestVerify(context.get(),
                       reinterpret_cast<const unsigned char*>(token.signature.data()),
                       token.signature.size(),
                       reinterpret_cast<const unsigned char*>(token.signing_input.data()),
                       token.signing_input.size()) == 1;
  if (!valid) return Invalid("the token's signature is invalid");
  return absl::OkStatus();
}

absl::Status CheckJwtClaims(const Jwt& token, const JwtRules& rules, int64_t now_seconds) {
  const json::value* iss = token.claims.if_contains("iss");
  if (!iss || !iss->is_string() || iss->get_string() != rules.issuer) {
    return Invalid("the token does not have a valid issuer");
  }
  const std::vector<std::string> audiences = AudiencesOf(token.claims);
  const bool audience_ok = std::any_of(audiences.begin(), audiences.end(), [&](const auto& aud) {
    return std::find(rules.audiences.begin(), rules.audiences.end(), aud) != rules.audiences.end();
  });
  if (!audience_ok) return Invalid("the token does not have a valid audience");
  auto exp = NumericDate(token.claims, "exp");
  if (!exp.ok()) return exp.status();
  if (!exp->has_value()) return Invalid("the token has no expiry");
  if (**exp <= now_seconds) return Invalid("the token has expired");
  for (std::string_view name : {"nbf", "iat"}) {
    auto date = NumericDate(token.claims, name);
    if (!date.ok()) return date.status();
    if (date->has_value() && **date > now_seconds) return Invalid("the token is not valid yet");
  }
  return absl::OkStatus();
}

std::vector<std::string> JwtScopes(const json::object& claims) {
  std::vector<std::string> scopes;
  auto add_words = [&](std::string_view text) {
    for (std::string_view word : SplitOn(text, ' ')) {
      if (!word.empty()) scopes.emplace_back(word);
    }
  };
  if (const json::value* scope = claims.if_contains("scope"); scope && scope->is_string()) {
    add_words(scope->get_string());
  } else if (const json::value* scp = claims.if_contains("scp"); scp && scp->is_string()) {
    add_words(scp->get_string());
  } else if (scp && scp->is_array()) {
    for (const json::value& item : scp->get_array()) {
      if (item.is_string()) scopes.emplace_back(item.get_string());
    }
  }
  return scopes;
}

json::object ClaimsAsStrings(const json::object& claims) {
  json::object out;
  for (const auto& [name, value] : claims) {
    out[name] = value.is_string() ? std::string(value.get_string()) : json::serialize(value);
  }
  return out;
}

}  // namespace serval::apigatewayv2
