#include "services/sns/sns_access.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace serval::sns {
namespace {

// Where an action's resource comes from.
enum class Target {
  kAccount,        // "*"
  kTopicName,      // the topic the Name parameter names (CreateTopic)
  kTopicArn,       // the TopicArn parameter
  kResourceArn,    // the ResourceArn parameter (tags)
  kSubscription,   // the topic of the SubscriptionArn parameter
  kPublishTarget,  // TopicArn, or else TargetArn; "*" for a PhoneNumber
};

struct ActionAccess {
  std::string_view action;      // the query Action
  std::string_view iam_action;  // "sns:Publish"
  Target target;
  bool endpoint_keys = false;  // sns:Protocol and sns:Endpoint (Subscribe)
};

constexpr std::array<ActionAccess, 17> kActions{{
    {"CreateTopic", "sns:CreateTopic", Target::kTopicName},
    {"DeleteTopic", "sns:DeleteTopic", Target::kTopicArn},
    {"ListTopics", "sns:ListTopics", Target::kAccount},
    {"GetTopicAttributes", "sns:GetTopicAttributes", Target::kTopicArn},
    {"SetTopicAttributes", "sns:SetTopicAttributes", Target::kTopicArn},
    {"TagResource", "sns:TagResource", Target::kResourceArn},
    {"UntagResource", "sns:UntagResource", Target::kResourceArn},
    {"ListTagsForResource", "sns:ListTagsForResource", Target::kResourceArn},
    {"Subscribe", "sns:Subscribe", Target::kTopicArn, true},
    {"ConfirmSubscription", "sns:ConfirmSubscription", Target::kTopicArn},
    {"Unsubscribe", "sns:Unsubscribe", Target::kSubscription},
    {"ListSubscriptions", "sns:ListSubscriptions", Target::kAccount},
    {"ListSubscriptionsByTopic", "sns:ListSubscriptionsByTopic", Target::kTopicArn},
    {"GetSubscriptionAttributes", "sns:GetSubscriptionAttributes", Target::kSubscription},
    {"SetSubscriptionAttributes", "sns:SetSubscriptionAttributes", Target::kSubscription},
    {"Publish", "sns:Publish", Target::kPublishTarget},
    // Each entry of a batch is a Publish to the one topic.
    {"PublishBatch", "sns:Publish", Target::kTopicArn},
}};

std::string Parameter(const protocol::QueryRequest& request, std::string_view name) {
  return request.Get(name).value_or("");
}

std::string ResourceOf(Target target, const protocol::QueryRequest& request,
                       const AccountContext& account) {
  switch (target) {
    case Target::kAccount:
      return "*";
    case Target::kTopicName:
      return fmt::format("arn:aws:sns:{}:{}:{}", account.region, account.account_id,
                         Parameter(request, "Name"));
    case Target::kTopicArn:
      return Parameter(request, "TopicArn");
    case Target::kResourceArn:
      return Parameter(request, "ResourceArn");
    case Target::kSubscription: {
      // A subscription's ARN is its topic's, ":", its id.
      std::string arn = Parameter(request, "SubscriptionArn");
      arn.resize(std::min(arn.size(), arn.rfind(':')));
      return arn;
    }
    case Target::kPublishTarget:
      if (std::optional<std::string> topic = request.Get("TopicArn")) return *std::move(topic);
      if (std::optional<std::string> target_arn = request.Get("TargetArn")) {
        return *std::move(target_arn);
      }
      return "*";
  }
  return "*";
}

}  // namespace

absl::StatusOr<iam::AccessRequest> AccessRequestFor(const protocol::QueryRequest& request,
                                                    const AccountContext& account,
                                                    TopicPolicyOf policy_of) {
  const ActionAccess* access = nullptr;
  for (const ActionAccess& candidate : kActions) {
    if (candidate.action == request.action) access = &candidate;
  }
  if (access == nullptr) {
    return absl::InternalError(fmt::format("SNS action {} has no IAM action", request.action));
  }
  iam::AccessRequest out;
  out.action = access->iam_action;
  out.resource = ResourceOf(access->target, request, account);
  if (out.resource != "*") out.resource_policy = policy_of(out.resource);
  if (access->endpoint_keys) {
    out.context.push_back({"sns:Protocol", {Parameter(request, "Protocol")}});
    out.context.push_back({"sns:Endpoint", {Parameter(request, "Endpoint")}});
  }
  return out;
}

}  // namespace serval::sns
