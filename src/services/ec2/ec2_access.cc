#include "services/ec2/ec2_access.h"

#include <array>

#include "fmt/format.h"
#include "services/ec2/ec2_request.h"

namespace serval::ec2 {
namespace {

// Where an action's resources come from.
enum class Target {
  kAccount,     // "*"
  kInstanceId,  // each InstanceId.N
  kResourceId,  // each ResourceId.N (tags)
  kLaunch,      // RunInstances: instance/* and the image
};

struct ActionAccess {
  std::string_view action;      // the query Action
  std::string_view iam_action;  // "ec2:StopInstances"
  Target target;
};

constexpr std::array<ActionAccess, 12> kActions{{
    {"RunInstances", "ec2:RunInstances", Target::kLaunch},
    {"DescribeInstances", "ec2:DescribeInstances", Target::kAccount},
    {"DescribeInstanceStatus", "ec2:DescribeInstanceStatus", Target::kAccount},
    {"StartInstances", "ec2:StartInstances", Target::kInstanceId},
    {"StopInstances", "ec2:StopInstances", Target::kInstanceId},
    {"RebootInstances", "ec2:RebootInstances", Target::kInstanceId},
    {"TerminateInstances", "ec2:TerminateInstances", Target::kInstanceId},
    {"CreateTags", "ec2:CreateTags", Target::kResourceId},
    {"DeleteTags", "ec2:DeleteTags", Target::kResourceId},
    {"DescribeTags", "ec2:DescribeTags", Target::kAccount},
    {"DescribeRegions", "ec2:DescribeRegions", Target::kAccount},
    {"DescribeAvailabilityZones", "ec2:DescribeAvailabilityZones", Target::kAccount},
}};

// The condition keys of an existing instance: its tags.
std::vector<iam::ContextValue> TagKeys(const std::map<std::string, std::string>* tags) {
  std::vector<iam::ContextValue> context;
  if (tags == nullptr) return context;
  for (const auto& [key, value] : *tags) {
    context.push_back({"ec2:ResourceTag/" + key, {value}});
    context.push_back({"aws:ResourceTag/" + key, {value}});
  }
  return context;
}

}  // namespace

std::string InstanceArn(const AccountContext& account, std::string_view id) {
  return fmt::format("arn:aws:ec2:{}:{}:instance/{}", account.region, account.account_id, id);
}

absl::StatusOr<services::AccessRequests> AccessRequestsFor(const protocol::QueryRequest& request,
                                                           const AccountContext& account,
                                                           InstanceTagsOf tags_of) {
  const ActionAccess* access = nullptr;
  for (const ActionAccess& candidate : kActions) {
    if (candidate.action == request.action) access = &candidate;
  }
  if (access == nullptr) {
    return absl::InternalError(fmt::format("EC2 action {} has no IAM action", request.action));
  }
  const std::string_view iam_action = access->iam_action;
  services::AccessRequests requests;
  switch (access->target) {
    case Target::kAccount:
      requests.push_back({.action = iam_action, .resource = "*"});
      break;
    case Target::kInstanceId:
    case Target::kResourceId:
      for (const std::string& id :
           ReadList(request, access->target == Target::kInstanceId ? "InstanceId" : "ResourceId")) {
        requests.push_back({.action = iam_action,
                            .resource = InstanceArn(account, id),
                            .context = TagKeys(tags_of(id))});
      }
      break;
    case Target::kLaunch: {
      const std::string instances = InstanceArn(account, "*");
      requests.push_back({.action = iam_action, .resource = instances});
      requests.push_back({.action = iam_action,
                          .resource = fmt::format("arn:aws:ec2:{}::image/{}", account.region,
                                                  request.Get("ImageId").value_or("*"))});
      // Tagging at launch is also ec2:CreateTags, which policies tell apart by its CreateAction.
      auto tagged = request.parameters.lower_bound("TagSpecification.");
      if (tagged != request.parameters.end() && tagged->first.starts_with("TagSpecification.")) {
        requests.push_back({.action = "ec2:CreateTags",
                            .resource = instances,
                            .context = {{"ec2:CreateAction", {"RunInstances"}}}});
      }
      break;
    }
  }
  return requests;
}

}  // namespace serval::ec2
