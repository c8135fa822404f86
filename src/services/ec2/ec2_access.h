#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "common/arn.h"
#include "protocol/query.h"
#include "services/access_check.h"

namespace serval::ec2 {

// What EC2's actions ask of IAM, as AWS's Service Authorization Reference defines them ("Actions,
// resources, and condition keys for Amazon EC2"): ec2:<Action> on
// arn:aws:ec2:REGION:ACCOUNT:instance/ID for each instance an action changes (Start, Stop,
// Reboot, Terminate, CreateTags, DeleteTags), with the instance's tags as ec2:ResourceTag/KEY and
// aws:ResourceTag/KEY; "*" for the Describe actions; RunInstances on instance/* and the image
// (and ec2:CreateTags on instance/* with ec2:CreateAction when it tags what it launches).
// docs/iam.md ("Actions and resources") lists where Serval differs. Thread-safe (pure).

// The tags of the instance `id`, or null when there is none.
using InstanceTagsOf =
    absl::FunctionRef<const std::map<std::string, std::string>*(std::string_view id)>;

// The requests `request` (an EC2 query request) makes. Internal for an action without an entry
// (a defect).
absl::StatusOr<services::AccessRequests> AccessRequestsFor(const protocol::QueryRequest& request,
                                                           const AccountContext& account,
                                                           InstanceTagsOf tags_of);

// The ARN of the instance `id`.
std::string InstanceArn(const AccountContext& account, std::string_view id);

}  // namespace serval::ec2
