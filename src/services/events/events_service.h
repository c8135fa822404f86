#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/arn.h"
#include "common/clock.h"
#include "invoker/invoker.h"
#include "protocol/json_rpc.h"
#include "services/event_bus.h"
#include "services/events/event_pattern.h"
#include "services/events/rule_store.h"
#include "services/events/scheduler.h"
#include "services/platform.h"
#include "services/schedule_view.h"
#include "services/service.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::events {

// The EventBridge (CloudWatch Events) front end: the JSON 1.1 API (X-Amz-Target: AWSEvents.*)
// for event buses, rules and targets; schedule rules fired by its Scheduler and events put on a
// bus (PutEvents, and other front ends through services::EventPublisher) matched against the
// bus's rules and delivered through the invoker. Runs only on the io thread.
class EventsService : public services::Service,
                      public services::EventPublisher,
                      public services::ScheduleView {
 public:
  struct Dependencies {
    AccountContext account;
    const Clock* clock = nullptr;
    boost::asio::io_context* io = nullptr;
    invoker::Invoker* invoker = nullptr;
    iam::Authorizer* authorizer = nullptr;  // null: every request is allowed
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

  void PublishEvent(Event event, std::function<void(const absl::Status&)> settled) override;
  std::vector<ScheduledRule> ScheduledRules() const override;

 private:
  // One event on a bus, ready to match and deliver.
  struct BusEvent {
    std::string bus;
    std::string id;
    std::string json;          // the envelope as targets receive it
    boost::json::value value;  // the same, parsed, for matching
    int64_t time_millis = 0;
  };
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
  // Buses (bus_operations.cc).
  absl::StatusOr<boost::json::object> CreateEventBus(const boost::json::object& body);
  absl::StatusOr<boost::json::object> DescribeEventBus(const boost::json::object& body);
  absl::StatusOr<boost::json::object> ListEventBuses(const boost::json::object& body);
  absl::StatusOr<boost::json::object> DeleteEventBus(const boost::json::object& body);
  // Events (put_events.cc).
  void PutEvents(const boost::json::object& body, protocol::JsonOperationDone done);
  absl::StatusOr<boost::json::object> TestEventPattern(const boost::json::object& body);

  // The bus `body`'s `member` names (a name or an ARN; empty: default), which must exist.
  absl::StatusOr<std::string> ExistingBus(const boost::json::object& body,
                                          const char* member = "EventBusName") const;
  absl::StatusOr<const Rule*> FindRule(const boost::json::object& body) const;
  absl::StatusOr<const Rule*> FindRuleByArn(const std::string& arn) const;
  // The tags of the bus or rule the request's ResourceARN names, after `change` (stored if it
  // changed them); ResourceNotFoundException for an unknown one.
  absl::StatusOr<std::map<std::string, std::string>> ChangeTags(
      const boost::json::object& body,
      const std::function<void(std::map<std::string, std::string>&)>& change);
  std::string RuleArn(const Rule& rule) const;
  std::string BusArn(std::string_view bus) const;
  // The envelope of one event, as every target of every matching rule receives it.
  BusEvent Envelope(std::string bus, const services::EventPublisher::Event& fields) const;
  // Matches `event` against its bus's enabled rules and delivers it to their targets; `settled`
  // hears once every delivery settled: OK, or the first error other than a missing function
  // (which the invoker records as undeliverable, as AWS counts a failed invocation).
  void Dispatch(const BusEvent& event, std::function<void(const absl::Status&)> settled);
  // Hands `event_json` to every target of `rule`, shaped as the target asks. `track`, when set,
  // is called before each delivery is handed on and gives the callback that delivery settles:
  // the caller counts it first, since a delivery may settle at once (a missing function). A
  // target whose input cannot be shaped is reported as undeliverable.
  using DeliveryTracker = std::function<std::function<void(const absl::Status&)>()>;
  void DeliverToTargets(const Rule& rule, const std::string& event_json, int64_t ingestion_millis,
                        const std::string& source, const DeliveryTracker& track);
  // `rule`'s pattern, compiled once per pattern text; null if it does not parse.
  const EventPattern* CompiledPattern(const Rule& rule);

  static const protocol::JsonOperationTable<EventsService>& Operations();
  // Runs an operation that may change the rule store and answers once its changes are durable
  // (RuleStore::Commit). After a failed write, the schedules of the rules read back follow them.
  template <protocol::JsonOperation<EventsService> Operation>
  void Committed(const boost::json::object& body, protocol::JsonOperationDone done);

  Dependencies deps_;
  std::unique_ptr<RuleStore> rules_;
  Scheduler scheduler_;
  std::map<RuleKey, std::pair<std::string, std::shared_ptr<const EventPattern>>> compiled_patterns_;
};

}  // namespace serval::events
