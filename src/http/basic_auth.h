#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "http/credential_store.h"
#include "http/message.h"
#include "http/sigv4.h"

namespace serval::http {

// Whether `headers` carry "Authorization: Basic ...".
bool HasBasicAuth(const Request& headers);

// Checks "Authorization: Basic base64(ACCESS_KEY:SECRET)" against `store`'s operator keys (the
// keys SigV4 accepts; execution environments' temporary keys are refused here, as they come with
// a session token that Basic auth cannot carry), comparing secrets in constant time. On success
// fills `caller` (its access key). Refusals are Unauthenticated (401) with
// "WWW-Authenticate: Basic realm=\"serval\"", so a browser asks for the key. Thread-compatible
// with `store`.
absl::Status VerifyBasicAuth(const Request& headers, const CredentialStore& store,
                             VerifiedCaller* caller);

}  // namespace serval::http
