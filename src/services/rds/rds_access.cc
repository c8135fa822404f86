#include "services/rds/rds_access.h"

#include <fmt/format.h>

#include <array>

#include "common/text.h"
#include "services/rds/rds_xml.h"

namespace serval::rds {
namespace {

// Where an action's resource comes from.
enum class Target {
  kInstance,       // the DBInstanceIdentifier parameter
  kInstanceOrAll,  // the DBInstanceIdentifier parameter, "*" without one
  kResourceName,   // the ResourceName parameter (tags)
};

struct ActionAccess {
  std::string_view action;      // the query Action
  std::string_view iam_action;  // "rds:StopDBInstance"
  Target target;
};

constexpr std::array<ActionAccess, 8> kActions{{
    {"CreateDBInstance", "rds:CreateDBInstance", Target::kInstance},
    {"DescribeDBInstances", "rds:DescribeDBInstances", Target::kInstanceOrAll},
    {"StartDBInstance", "rds:StartDBInstance", Target::kInstance},
    {"StopDBInstance", "rds:StopDBInstance", Target::kInstance},
    {"DeleteDBInstance", "rds:DeleteDBInstance", Target::kInstance},
    {"AddTagsToResource", "rds:AddTagsToResource", Target::kResourceName},
    {"RemoveTagsFromResource", "rds:RemoveTagsFromResource", Target::kResourceName},
    {"ListTagsForResource", "rds:ListTagsForResource", Target::kResourceName},
}};

// Creating an instance with tags also tags it.
constexpr std::string_view kAddTagsAction = "rds:AddTagsToResource";

std::string InstanceResource(const protocol::QueryRequest& request, const AccountContext& account) {
  const std::string identifier = request.Get("DBInstanceIdentifier").value_or("");
  if (identifier.starts_with("arn:")) return identifier;
  return DbInstanceArn(account, AsciiToLower(identifier));
}

}  // namespace

absl::StatusOr<services::AccessRequests> AccessRequestsFor(const protocol::QueryRequest& request,
                                                           const AccountContext& account) {
  const ActionAccess* entry = nullptr;
  for (const ActionAccess& candidate : kActions) {
    if (candidate.action == request.action) entry = &candidate;
  }
  if (entry == nullptr) {
    return absl::InternalError(fmt::format("RDS action {} has no IAM action", request.action));
  }
  iam::AccessRequest access{.action = entry->iam_action};
  switch (entry->target) {
    case Target::kInstance:
      access.resource = InstanceResource(request, account);
      break;
    case Target::kInstanceOrAll:
      access.resource = request.Get("DBInstanceIdentifier").has_value()
                            ? InstanceResource(request, account)
                            : "*";
      break;
    case Target::kResourceName:
      access.resource = request.Get("ResourceName").value_or("");
      break;
  }
  services::AccessRequests requests{access};
  const bool tags_on_create = request.action == "CreateDBInstance" &&
                              !protocol::QueryMembers(request.parameters, "Tags.Tag").empty();
  if (tags_on_create) {
    requests.push_back({.action = kAddTagsAction, .resource = access.resource});
  }
  return requests;
}

}  // namespace serval::rds
