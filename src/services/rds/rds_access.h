#pragma once

#include "absl/status/statusor.h"
#include "common/arn.h"
#include "protocol/query.h"
#include "services/access_check.h"

namespace serval::rds {

// What RDS's actions ask of IAM, as AWS's Service Authorization Reference defines them
// ("Actions, resources, and condition keys for Amazon RDS"): rds:<Action> on the DB instance's
// ARN (arn:aws:rds:REGION:ACCOUNT:db:ID, the identifier in lower case as RDS stores it; an ARN
// given as the identifier as is), DescribeDBInstances on "*" when it names no instance, the tag
// actions on their ResourceName, and CreateDBInstance with Tags also rds:AddTagsToResource on
// the new instance. docs/iam.md ("Actions and resources"). Thread-safe (pure).
//
// Internal for an action without an entry (a defect). A missing identifier asks about the ARN
// of "" (the action then answers MissingParameter, as it does for anyone).
absl::StatusOr<services::AccessRequests> AccessRequestsFor(const protocol::QueryRequest& request,
                                                           const AccountContext& account);

}  // namespace serval::rds
