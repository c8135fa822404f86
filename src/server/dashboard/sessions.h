#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "common/clock.h"

namespace serval::dashboard {

// The dashboard's login sessions, in memory (a restart logs everyone out): a random 256-bit
// token per login, valid for kLifetimeSeconds. Tokens are kept only as their SHA-256, so that a
// lookup's timing says nothing about a valid token. Expired sessions are dropped as new ones are
// made. Runs only on the io thread.
class SessionStore {
 public:
  static constexpr int64_t kLifetimeSeconds = 12 * 3600;
  static constexpr std::string_view kCookieName = "serval_session";

  // `clock` judges expiry: real time, even when Serval runs on a simulated clock.
  explicit SessionStore(const Clock* clock) : clock_(clock) {}

  // A new session for `access_key`: its token.
  std::string Create(std::string_view access_key);
  // The access key of the live session the request's Cookie header names, if any.
  std::optional<std::string> Find(std::string_view cookie_header) const;
  void Remove(std::string_view cookie_header);

  // The Set-Cookie value that hands `token` to the browser, and the one that clears it.
  static std::string SetCookie(std::string_view token);
  static std::string ClearCookie();
  // The session token in a Cookie header ("a=1; serval_session=TOKEN"), or empty.
  static std::string_view TokenOf(std::string_view cookie_header);

 private:
  struct Session {
    std::string access_key;
    int64_t expires_millis = 0;
  };
  void DropExpired();

  const Clock* clock_;
  absl::flat_hash_map<std::string, Session> sessions_;  // by SHA-256 of the token
};

}  // namespace serval::dashboard
