#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::apigatewayv2 {

// The signing keys of OpenID Connect issuers, as JWT authorizers need them: the issuer's
// discovery document ({issuer}/.well-known/openid-configuration) names its jwks_uri, whose key
// set is kept by key id. A key id the set lacks makes the cache fetch both documents again, at
// most once a minute per issuer (so tokens with made-up key ids cannot make Serval hammer the
// issuer). Issuers and key sets must be https URLs, verified against the system's trust store;
// plain http is accepted only for loopback hosts (127.0.0.1, localhost, [::1]), for tests and
// local identity providers. Runs only on the io thread.
class JwksCache {
 public:
  using KeyCallback = std::function<void(absl::StatusOr<boost::json::object>)>;

  // `io` and `clock` must outlive the cache, which must outlive every fetch it starts (it is
  // owned by the gateway, which lives as long as the io thread runs).
  JwksCache(boost::asio::io_context* io, const Clock* clock) : io_(io), clock_(clock) {}

  // The JWK with `key_id` of `issuer` (a key set holding one key also answers for an empty id).
  // `done` runs on the io thread, possibly before FindKey returns. Unauthenticated when the key
  // set has no such key; Unavailable when the documents cannot be fetched or parsed (the
  // message says why).
  void FindKey(const std::string& issuer, const std::string& key_id, KeyCallback done);

 private:
  static constexpr int64_t kRefreshIntervalMs = 60 * 1000;

  struct Issuer {
    std::map<std::string, boost::json::object> keys;  // by kid
    int64_t fetched_ms = 0;                           // when the last fetch ended; 0: never
    absl::Status fetch_status;
    bool fetching = false;
    std::vector<std::pair<std::string, KeyCallback>> waiting;  // key id, callback
  };

  void Answer(Issuer& issuer, const std::string& key_id, const KeyCallback& done);
  void Refresh(const std::string& issuer);
  void Fetched(const std::string& issuer, absl::StatusOr<std::string> key_set);

  boost::asio::io_context* io_;
  const Clock* clock_;
  std::map<std::string, Issuer> issuers_;
};

}  // namespace serval::apigatewayv2
