#include "services/apigatewayv2/jwt.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <boost/json.hpp>
#include <memory>

#include "common/crypto.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

constexpr int64_t kNow = 1700000000;

std::string Base64Url(std::string_view data) {
  std::string text = Base64Encode(data);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

// A key pair made for the test, with its public half as a JWK and a signer of tokens.
class JwtTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { key_ = EVP_RSA_gen(2048); }
  static void TearDownTestSuite() { EVP_PKEY_free(key_); }

  static json::object Jwk(EVP_PKEY* key) {
    auto param = [&](const char* name) {
      BIGNUM* bn = nullptr;
      EVP_PKEY_get_bn_param(key, name, &bn);
      std::string bytes(BN_num_bytes(bn), '\0');
      BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
      BN_free(bn);
      return Base64Url(bytes);
    };
    return {{"kty", "RSA"},
            {"kid", "k1"},
            {"n", param(OSSL_PKEY_PARAM_RSA_N)},
            {"e", param(OSSL_PKEY_PARAM_RSA_E)}};
  }

  static std::string Sign(const json::object& header, const json::object& claims,
                          EVP_PKEY* key = key_) {
    const std::string input =
        Base64Url(json::serialize(header)) + "." + Base64Url(json::serialize(claims));
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
    size_t size = 0;
    EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(context.get(), nullptr, &size,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string signature(size, '\0');
    EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    signature.resize(size);
    return input + "." + Base64Url(signature);
  }

  static json::object Claims() {
    return {{"iss", "https://issuer.example"},
            {"aud", "api"},
            {"sub", "alice"},
            {"exp", kNow + 60},
            {"iat", kNow - 5},
            {"scope", "read write"}};
  }

  static const json::object& Header() {
    static const json::object header{{"alg", "RS256"}, {"kid", "k1"}, {"typ", "JWT"}};
    return header;
  }

  const JwtRules rules_{.issuer = "https://issuer.example", .audiences = {"other", "api"}};
  static EVP_PKEY* key_;
};

EVP_PKEY* JwtTest::key_ = nullptr;

TEST_F(JwtTest, DecodesAndVerifiesAnRs256Token) {
  auto token = DecodeJwt(Sign(Header(), Claims()));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->key_id, "k1");
  EXPECT_EQ(token->claims.at("sub").as_string(), "alice");
  EXPECT_TRUE(VerifyJwtSignature(*token, Jwk(key_)).ok());
  EXPECT_TRUE(CheckJwtClaims(*token, rules_, kNow).ok());
}

TEST_F(JwtTest, RefusesAForeignOrAlteredSignature) {
  EVP_PKEY* other = EVP_RSA_gen(2048);
  auto foreign = DecodeJwt(Sign(Header(), Claims(), other));
  EVP_PKEY_free(other);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(VerifyJwtSignature(*foreign, Jwk(key_)).message(), "the token's signature is invalid");
  std::string text = Sign(Header(), Claims());
  json::object claims = Claims();
  claims["sub"] = "mallory";
  const size_t first = text.find('.'), second = text.find('.', first + 1);
  text.replace(first + 1, second - first - 1, Base64Url(json::serialize(claims)));
  auto altered = DecodeJwt(text);
  ASSERT_TRUE(altered.ok());
  EXPECT_FALSE(VerifyJwtSignature(*altered, Jwk(key_)).ok());
  EXPECT_FALSE(VerifyJwtSignature(*altered, json::object{{"kty", "EC"}}).ok());
}

TEST_F(JwtTest, RefusesAlgorithmsApiGatewayDoesNotAccept) {
  for (const char* alg : {"none", "HS256", "ES256"}) {
    json::object header = Header();
    header["alg"] = alg;
    auto token = DecodeJwt(Sign(header, Claims()));
    EXPECT_EQ(token.status().message(), std::string("signing method ") + alg + " is invalid");
  }
  EXPECT_FALSE(DecodeJwt("not-a-token").ok());
  EXPECT_FALSE(DecodeJwt("a.b.c").ok());
  EXPECT_FALSE(DecodeJwt(Base64Url("[1]") + "." + Base64Url("{}") + ".").ok());
}

TEST_F(JwtTest, ChecksIssuerAudienceAndTimes) {
  auto check = [&](json::object claims, int64_t now = kNow) {
    return std::string(CheckJwtClaims(*DecodeJwt(Sign(Header(), claims)), rules_, now).message());
  };
  json::object claims = Claims();
  claims["iss"] = "https://elsewhere.example";
  EXPECT_EQ(check(claims), "the token does not have a valid issuer");
  claims = Claims();
  claims["aud"] = json::array{"x", "y"};
  EXPECT_EQ(check(claims), "the token does not have a valid audience");
  claims["aud"] = json::array{"x", "api"};
  EXPECT_EQ(check(claims), "");
  claims.erase("aud");
  claims["client_id"] = "api";  // consulted only without aud
  EXPECT_EQ(check(claims), "");
  EXPECT_EQ(check(Claims(), kNow + 60), "the token has expired");
  claims = Claims();
  claims.erase("exp");
  EXPECT_EQ(check(claims), "the token has no expiry");
  claims = Claims();
  claims["nbf"] = kNow + 10;
  EXPECT_EQ(check(claims), "the token is not valid yet");
  EXPECT_EQ(check(claims, kNow + 10), "");
  claims = Claims();
  claims["iat"] = kNow + 1;
  EXPECT_EQ(check(claims), "the token is not valid yet");
}

TEST(JwtClaimsTest, ScopesAndStringClaims) {
  EXPECT_EQ(JwtScopes(json::object{{"scope", "a  b"}}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(JwtScopes(json::object{{"scp", json::array{"c", "d"}}}),
            (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(JwtScopes(json::object{{"scp", "e"}}), (std::vector<std::string>{"e"}));
  EXPECT_TRUE(JwtScopes(json::object{}).empty());
  EXPECT_EQ(json::serialize(ClaimsAsStrings(
                json::object{{"sub", "s"}, {"exp", 5}, {"ok", true}, {"aud", json::array{"a"}}})),
            R"({"sub":"s","exp":"5","ok":"true","aud":"[\"a\"]"})");
}

}  // namespace
}  // namespace serval::apigatewayv2
