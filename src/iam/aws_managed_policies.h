#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "iam/identity_store.h"

namespace serval::iam {

// AWS's own managed policies that Lambda applications commonly name (AWSLambdaBasicExecutionRole,
// AmazonS3ReadOnlyAccess, AdministratorAccess...; docs/iam.md lists them), with their real ARNs,
// ids, paths, dates and default versions' documents as AWS publishes them
// (src/iam/managed_policies/*.json). Each holds its default version only. An error means a
// catalogue file does not parse: a build defect. Thread-safe.
absl::StatusOr<std::vector<ManagedPolicy>> AwsManagedPolicies();

}  // namespace serval::iam
