#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/arn.h"
#include "common/clock.h"
#include "http/message.h"
#include "services/events/rule_store.h"
#include "services/events/scheduler.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::events {

// The EventBridge (CloudWatch Events) front end: the JSON 1.1 API (X-Amz-Target: AWSEvents.*)
// for rules and targets, with schedule rules fired by the Scheduler. Runs only on the io thread.
class EventsService {
 public:
  // Delivers a target's input to the Lambda function `function_arn` names, asynchronously.
  using InvokeTarget = std::function<void(const std::string& function_arn, std::string input)>;

  struct Dependencies {
    AccountContext account;
    RuleStore* rules = nullptr;
    Scheduler* scheduler = nullptr;
    const Clock* clock = nullptr;
    InvokeTarget invoke;
  };

  explicit EventsService(Dependencies dependencies);

  // True for requests with X-Amz-Target: AWSEvents.<Operation>.
  static bool Owns(const http::Request& request);
  void Handle(http::Request&& request, http::Responder respond);

  // Fires every enabled target of the rule for the schedule time `scheduled_millis`.
  void Fire(const std::string& rule_name, int64_t scheduled_millis);

 private:
  absl::StatusOr<boost::json::object> PutRule(const boost::json::object& body);
  absl::StatusOr<boost::json::object> DescribeRule(const boost::json::object& body);
  absl::StatusOr<boost::json::object> ListRules(const boost::json::object& body);
  absl::StatusOr<boost::json::object> DeleteRule(const boost::json::object& body);
  absl::StatusOr<boost::json::object> SetRuleState(const boost::json::object& body, bool enabled);
  absl::StatusOr<boost::json::object> PutTargets(const boost::json::object& body);
  absl::StatusOr<boost::json::object> ListTargetsByRule(const boost::json::object& body);
  absl::StatusOr<boost::json::object> RemoveTargets(const boost::json::object& body);
  absl::StatusOr<boost::json::object> ListRuleNamesByTarget(const boost::json::object& body);
  absl::StatusOr<boost::json::object> TagResource(const boost::json::object& body);
  absl::StatusOr<boost::json::object> UntagResource(const boost::json::object& body);
  absl::StatusOr<boost::json::object> ListTagsForResource(const boost::json::object& body);

  absl::StatusOr<const Rule*> FindRule(const boost::json::object& body) const;
  absl::StatusOr<const Rule*> FindRuleByArn(const std::string& arn) const;
  std::string RuleArn(const std::string& name) const;

  Dependencies deps_;
};

}  // namespace serval::events
