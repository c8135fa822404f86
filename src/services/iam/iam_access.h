#pragma once

#include <string_view>

#include "iam/authorizer.h"
#include "iam/identity_store.h"
#include "protocol/query.h"
#include "protocol/request_context.h"

namespace serval::iam_api {

// What IAM's own actions ask of IAM (Service Authorization Reference, "Actions, resources, and
// condition keys for AWS Identity and Access Management"): iam:<Action> on the role, user or
// managed policy the request names (its ARN with its path when it exists, else with the path the
// request gives or "/"), "*" for the List operations that name none; an operation on the caller's
// own user (CreateAccessKey without UserName) is on the caller's user. Attach*/Detach* add the
// condition key iam:PolicyARN. Without this, an IAM user could grant itself anything. Thread-safe
// (pure; runs on the io thread with the store).
iam::AccessRequest AccessRequestFor(std::string_view action, const protocol::QueryRequest& request,
                                    const iam::IdentityStore& identities,
                                    const protocol::Caller& caller);

}  // namespace serval::iam_api
