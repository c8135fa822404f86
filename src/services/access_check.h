#pragma once

#include <string_view>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "iam/authorizer.h"
#include "protocol/request_context.h"

namespace serval::services {

// What one request asks of IAM, as a front end's access mapping (<service>_access.h) builds it:
// most requests one (action, resource), a batch one per table. Inline room for one keeps a
// single-resource request to the allocation of its ARN.
using AccessRequests = absl::InlinedVector<iam::AccessRequest, 1>;

// Whether a request by `caller` is held to IAM at all: not without an authorizer, under
// `--iam off`, or for an anonymous caller (admitted by the route's own rules, which still apply).
inline bool AccessChecked(const iam::Authorizer* authorizer, const protocol::Caller& caller) {
  return authorizer != nullptr && authorizer->mode() != iam::Mode::kOff && !caller.anonymous;
}

// The one check a front end makes of a decoded request: each of the requests `build()` returns
// (built only when AccessChecked) asked of `authorizer` in turn. OK, or the first denial, with
// `error_code` (the service's own AccessDenied code) attached.
template <typename Build>
absl::Status CheckAccess(iam::Authorizer* authorizer, const protocol::Caller& caller,
                         std::string_view error_code, Build&& build) {
  if (!AccessChecked(authorizer, caller)) return absl::OkStatus();
  const AccessRequests requests = std::forward<Build>(build)();
  for (const iam::AccessRequest& request : requests) {
    absl::Status allowed = authorizer->Check(caller, request, error_code);
    if (!allowed.ok()) return allowed;
  }
  return absl::OkStatus();
}

}  // namespace serval::services
