#include "server/dashboard/sessions.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/text.h"

namespace serval::dashboard {

std::string SessionStore::Create(std::string_view access_key) {
  DropExpired();
  unsigned char random[32];
  if (RAND_bytes(random, sizeof(random)) != 1) std::abort();  // no entropy: nothing is safe
  std::string token =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(random), 32));
  sessions_[Sha256(token)] = {.access_key = std::string(access_key),
                              .expires_millis = clock_->NowMillis() + kLifetimeSeconds * 1000};
  return token;
}

std::optional<std::string> SessionStore::Find(std::string_view cookie_header) const {
  const std::string_view token = TokenOf(cookie_header);
  if (token.empty()) return std::nullopt;
  auto found = sessions_.find(Sha256(token));
  if (found == sessions_.end() || found->second.expires_millis <= clock_->NowMillis()) {
    return std::nullopt;
  }
  return found->second.access_key;
}

void SessionStore::Remove(std::string_view cookie_header) {
  const std::string_view token = TokenOf(cookie_header);
  if (!token.empty()) sessions_.erase(Sha256(token));
}

void SessionStore::DropExpired() {
  const int64_t now = clock_->NowMillis();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires_millis <= now) {
      sessions_.erase(it++);
    } else {
      ++it;
    }
  }
}

std::string SessionStore::SetCookie(std::string_view token) {
  return absl::StrCat(std::string(kCookieName), "=", std::string(token),
                      "; Path=/_serval/; HttpOnly; SameSite=Strict; Max-Age=", kLifetimeSeconds);
}

std::string SessionStore::ClearCookie() {
  return absl::StrCat(std::string(kCookieName),
                      "=; Path=/_serval/; HttpOnly; SameSite=Strict; Max-Age=0");
}

std::string_view SessionStore::TokenOf(std::string_view cookie_header) {
  for (std::string_view pair : SplitOn(cookie_header, ';')) {
    pair = TrimBlanks(pair);
    if (pair.size() > kCookieName.size() && pair.starts_with(kCookieName) &&
        pair[kCookieName.size()] == '=') {
      return pair.substr(kCookieName.size() + 1);
    }
  }
  return {};
}

}  // namespace serval::dashboard
