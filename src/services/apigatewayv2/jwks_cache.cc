#include "services/apigatewayv2/jwks_cache.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <chrono>

#include "http/async_client.h"

namespace serval::apigatewayv2 {
namespace {

namespace json = boost::json;

constexpr std::chrono::milliseconds kFetchTimeout{5000};

// https, or http to a loopback host (see the class comment).
absl::Status CheckScheme(std::string_view url) {
  auto parsed = http::ParseUrl(url);
  if (!parsed.ok()) return absl::UnavailableError(fmt::format("{} is not a URL", url));
  const bool loopback =
      parsed->host == "127.0.0.1" || parsed->host == "localhost" || parsed->host == "::1";
  if (!parsed->https && !loopback) {
    return absl::UnavailableError(
        fmt::format("{} is not https (plain http is allowed for loopback issuers only)", url));
  }
  return absl::OkStatus();
}

// GETs `url` and hands its 200 body to `done` (Unavailable for anything else).
void FetchDocument(boost::asio::io_context& io, const std::string& url,
                   std::function<void(absl::StatusOr<std::string>)> done) {
  if (absl::Status scheme = CheckScheme(url); !scheme.ok()) return done(scheme);
  http::AsyncFetch(
      io, url, http::Request{.method = "GET"}, kFetchTimeout,
      [url, done = std::move(done)](absl::StatusOr<http::Response> response) {
        if (!response.ok()) {
          return done(absl::UnavailableError(fmt::format(
              "fetching {} failed: {}", url, std::string(response.status().message()))));
        }
        if (response->status != 200) {
          return done(absl::UnavailableError(
              fmt::format("fetching {} answered {}", url, response->status)));
        }
        done(std::move(response->body));
      });
}

// The member `name` of the JSON object `text`, as a string ("" when it has none).
std::string StringOfDocument(std::string_view text, std::string_view name) {
  json::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return "";
  const json::value* value = parsed.get_object().if_contains(name);
  return value && value->is_string() ? std::string(value->get_string()) : "";
}

}  // namespace

void JwksCache::FindKey(const std::string& issuer, const std::string& key_id, KeyCallback done) {
  Issuer& state = issuers_[issuer];
  const bool known = state.keys.contains(key_id) || (key_id.empty() && state.keys.size() == 1);
  const bool fresh =
      state.fetched_ms != 0 && clock_->NowMillis() - state.fetched_ms < kRefreshIntervalMs;
  if (known || (fresh && !state.fetching)) return Answer(state, key_id, done);
  state.waiting.emplace_back(key_id, std::move(done));
  if (!state.fetching) Refresh(issuer);
}

void JwksCache::Answer(Issuer& issuer, const std::string& key_id, const KeyCallback& done) {
  auto found =
      key_id.empty() && issuer.keys.size() == 1 ? issuer.keys.begin() : issuer.keys.find(key_id);
  if (found != issuer.keys.end()) return done(found->second);
  if (!issuer.fetch_status.ok()) return done(issuer.fetch_status);
  done(absl::UnauthenticatedError("the token's key id is not in the issuer's key set"));
}

void JwksCache::Refresh(const std::string& issuer) {
  issuers_[issuer].fetching = true;
  std::string discovery = issuer;
  while (!discovery.empty() && discovery.back() == '/') discovery.pop_back();
  discovery += "/.well-known/openid-configuration";
  FetchDocument(*io_, discovery, [this, issuer](absl::StatusOr<std::string> document) {
    if (!document.ok()) return Fetched(issuer, document.status());
    const std::string jwks_uri = StringOfDocument(*document, "jwks_uri");
    if (jwks_uri.empty()) {
      return Fetched(issuer, absl::UnavailableError(fmt::format(
                                 "the discovery document of {} names no jwks_uri", issuer)));
    }
    FetchDocument(*io_, jwks_uri, [this, issuer](absl::StatusOr<std::string> key_set) {
      Fetched(issuer, std::move(key_set));
    });
  });
}

void JwksCache::Fetched(const std::string& issuer, absl::StatusOr<std::string> key_set) {
  Issuer& state = issuers_[issuer];
  state.fetching = false;
  state.fetched_ms = clock_->NowMillis();
  state.fetch_status = key_set.status();
  if (key_set.ok()) {
    json::error_code ec;
    json::value parsed = json::parse(*key_set, ec);
    const json::value* keys =
        !ec && parsed.is_object() ? parsed.get_object().if_contains("keys") : nullptr;
    if (!keys || !keys->is_array()) {
      state.fetch_status = absl::UnavailableError(
          fmt::format("the key set of {} is not a JSON Web Key Set", issuer));
    } else {
      // Keys from an earlier fetch that the issuer no longer lists are dropped: it rotated them.
      state.keys.clear();
      for (const json::value& key : keys->get_array()) {
        if (!key.is_object()) continue;
        const json::value* kid = key.get_object().if_contains("kid");
        state.keys[kid && kid->is_string() ? std::string(kid->get_string()) : ""] =
            key.get_object();
      }
    }
  }
  std::vector<std::pair<std::string, KeyCallback>> waiting;
  waiting.swap(state.waiting);
  for (const auto& [key_id, done] : waiting) Answer(state, key_id, done);
}

}  // namespace serval::apigatewayv2
