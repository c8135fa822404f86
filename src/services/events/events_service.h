#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/arn.h"
#include "common/clock.h"
#include "invoker/invoker.h"
#include "protocol/json_rpc.h"
#include "services/events/rule_store.h"
#include "services/events/scheduler.h"
#include "services/platform.h"
#include "services/service.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::events {

// The EventBridge (CloudWatch Events) front end: the JSON 1.1 API (X-Amz-Target: AWSEvents.*)
// for rules and targets, with schedule rules fired by its Scheduler through the invoker. Runs
// only on the io thread.
class EventsService : public services::Service {
 public:
  struct Dependencies {
    AccountContext account;
    const Clock* clock = nullptr;
    boost::asio::io_context* io = nullptr;
    invoker::Invoker* invoker = nullptr;
  };

  // Opens the rule store in `platform`'s database and schedules the stored rules.
  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);
  EventsService(Dependencies dependencies, std::unique_ptr<RuleStore> rules);

  const services::ServiceInfo& info() const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void Drain(std::function<void()> done) override;
  void OnClockAdvanced() override { scheduler_.Wake(); }
  void AddStats(boost::json::object& stats) const override;

  // Fires every enabled target of the rule for the schedule time `scheduled_millis`.
  void Fire(const std::string& rule_name, int64_t scheduled_millis);

 private:
  absl::StatusOr<boost::json::object> PutRule(const boost::json::object& body);
  absl::StatusOr<boost::json::object> DescribeRule(const boost::json::object& body);
  absl::StatusOr<boost::json::object> ListRules(const boost::json::object& body);
  absl::StatusOr<boost::json::object> DeleteRule(const boost::json::object& body);
  absl::StatusOr<boost::json::object> EnableRule(const boost::json::object& body);
  absl::StatusOr<boost::json::object> DisableRule(const boost::json::object& body);
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

  static const protocol::JsonOperationTable<EventsService>& Operations();

  Dependencies deps_;
  std::unique_ptr<RuleStore> rules_;
  Scheduler scheduler_;
};

}  // namespace serval::events
