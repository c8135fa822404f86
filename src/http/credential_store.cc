#include "http/credential_store.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "http/sigv4_internal.h"

namespace serval::http {

CredentialStore CredentialStore::WithDefaultKey() {
  CredentialStore store;
  store.Add(kDefaultAccessKey, kDefaultSecretKey);
  return store;
}

void CredentialStore::Add(std::string_view access_key, std::string_view secret) {
  secrets_.insert_or_assign(std::string(access_key), Identity{.secret = std::string(secret)});
}

void CredentialStore::AddTemporary(std::string_view access_key, Identity identity) {
  secrets_.insert_or_assign(std::string(access_key), std::move(identity));
}

void CredentialStore::RemoveTemporary(std::string_view access_key) {
  const auto it = secrets_.find(absl::string_view(access_key.data(), access_key.size()));
  if (it != secrets_.end() && !it->second.session_token.empty()) secrets_.erase(it);
}

void CredentialStore::AddIdentity(std::string_view access_key, Identity identity) {
  secrets_.insert_or_assign(std::string(access_key), std::move(identity));
}

void CredentialStore::Remove(std::string_view access_key) {
  const auto it = secrets_.find(absl::string_view(access_key.data(), access_key.size()));
  if (it != secrets_.end() && !it->second.principal_arn.empty()) secrets_.erase(it);
}

std::optional<std::pair<std::string, std::string>> CredentialStore::AnyKey() const {
  for (const auto& [key, identity] : secrets_) {
    if (identity.session_token.empty() && identity.principal_arn.empty()) {
      return std::make_pair(key, identity.secret);
    }
  }
  return std::nullopt;
}

const CredentialStore::Identity* CredentialStore::Find(std::string_view access_key) const {
  const auto it = secrets_.find(absl::string_view(access_key.data(), access_key.size()));
  return it == secrets_.end() ? nullptr : &it->second;
}

const std::string* CredentialStore::FindSecret(std::string_view access_key) const {
  const Identity* identity = Find(access_key);
  return identity == nullptr ? nullptr : &identity->secret;
}

absl::StatusOr<CredentialStore> LoadCredentialFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    const int error = errno;
    std::string message = "cannot read credential file " + path + ": " + std::strerror(error);
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::NotFoundError(message);
  }
  CredentialStore store;
  std::string line;
  int number = 0;
  while (std::getline(file, line)) {
    ++number;
    const std::string_view text = TrimBlanks(line);
    if (text.empty() || text.front() == '#') continue;
    std::string_view fields[3];
    size_t count = 0;
    std::string_view rest = text;
    while (!rest.empty() && count < 3) {
      size_t end = 0;
      while (end < rest.size() && !IsBlank(rest[end])) ++end;
      fields[count++] = rest.substr(0, end);
      rest.remove_prefix(end);
      while (!rest.empty() && IsBlank(rest.front())) rest.remove_prefix(1);
    }
    const std::string where = path + ":" + std::to_string(number);
    if (count != 2) {
      return absl::InvalidArgumentError(where + ": expected \"ACCESS_KEY SECRET\"");
    }
    if (fields[0].find('/') != std::string_view::npos) {
      return absl::InvalidArgumentError(where + ": an access key cannot contain '/'");
    }
    if (store.FindSecret(fields[0]) != nullptr) {
      return absl::InvalidArgumentError(where + ": access key " + std::string(fields[0]) +
                                        " is listed twice");
    }
    store.Add(fields[0], fields[1]);
  }
  if (file.bad()) return absl::DataLossError("error reading credential file " + path);
  if (store.size() == 0) {
    return absl::InvalidArgumentError("credential file " + path + " lists no access keys");
  }
  return store;
}

}  // namespace serval::http
