#include "services/apigateway/authorizer_cache.h"

namespace serval::apigateway {

const AuthorizerOutput* AuthorizerCache::Find(const std::string& key, int64_t now_ms) {
  auto found = entries_.find(key);
  if (found == entries_.end()) return nullptr;
  if (found->second.expires_ms <= now_ms) {
    entries_.erase(found);
    return nullptr;
  }
  return &found->second.output;
}

void AuthorizerCache::Put(const std::string& key, AuthorizerOutput output, int64_t expires_ms) {
  if (entries_.size() >= kMaxEntries && !entries_.contains(key)) {
    // A full cache only costs extra authorizer calls: start afresh.
    entries_.clear();
  }
  entries_.insert_or_assign(key, Entry{std::move(output), expires_ms});
}

}  // namespace serval::apigateway
