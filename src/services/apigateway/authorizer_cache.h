#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "services/apigateway/authorizer_policy.h"

namespace serval::apigateway {

// Lambda authorizer answers kept for authorizerResultTtlInSeconds, by authorizer and identity
// (the token, or a REQUEST authorizer's identity-source values): within the TTL the policy is
// evaluated again for each request's own method ARN without calling the function. Times are a
// Clock's milliseconds. Runs only on the io thread.
class AuthorizerCache {
 public:
  // The answer cached under `key` that is still fresh at `now_ms`, else nullptr (valid until
  // the next Put).
  const AuthorizerOutput* Find(const std::string& key, int64_t now_ms);
  void Put(const std::string& key, AuthorizerOutput output, int64_t expires_ms);

 private:
  static constexpr size_t kMaxEntries = 10000;
  struct Entry {
    AuthorizerOutput output;
    int64_t expires_ms = 0;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace serval::apigateway
