#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/worker.h"
#include "services/logs/filter_pattern.h"
#include "services/logs/group_settings.h"
#include "services/platform.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::logs {

// Delivers the events of log groups with subscription filters to their destination functions,
// as CloudWatch Logs does: {"awslogs": {"data": base64(gzip(DATA_MESSAGE JSON))}}, one delivery
// per stream and batch (a window of 0.5 to 1 s after the first new event, or a size limit), in
// order per stream, through the invoker's durable asynchronous path.
//
// Nothing is lost across a crash: events are in the stream files before anyone hears of them,
// and each (group, filter, stream) has a checkpoint, the offset up to which its events are
// handed over, stored in the metadata store ("logs.subscription_checkpoints") only once the
// invoker has the delivery on disk. At start every subscribed stream is read from its
// checkpoint again, so an event is delivered at least once. Events ingested before a filter
// existed are not delivered to it.
//
// Runs only on the io thread; stream files are read on its own worker.
class SubscriptionDelivery {
 public:
  explicit SubscriptionDelivery(const services::Platform& platform);
  ~SubscriptionDelivery();

  // The group's filters from now on (empty: it has none). Checkpoints of filters no longer
  // there are deleted.
  void SetFilters(const std::string& group, const std::vector<SubscriptionFilter>& filters);
  // Sends the CONTROL_MESSAGE a new filter's destination receives first.
  void Announce(const std::string& group, const SubscriptionFilter& filter);

  // Starts listening to the log store and catches up from the stored checkpoints.
  void Start();
  void Drain(std::function<void()> done);
  void OnClockAdvanced();
  void AddStats(boost::json::object& stats) const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // group, filter, stream
  struct ActiveFilter {
    SubscriptionFilter filter;
    std::shared_ptr<const FilterPattern> pattern;
  };
  struct Batch;
  class Relay;

  const ActiveFilter* FindFilter(const std::string& group, const std::string& name) const;
  void OnAppend(const std::string& group, const std::string& stream);
  // Wakes the deliverer at `due` unless it wakes earlier anyway.
  void ArmBatchTimer(std::chrono::steady_clock::time_point due);
  // Reads and hands over the dirty keys due by `due_by` that have no batch in flight.
  void DeliverDirty(std::chrono::steady_clock::time_point due_by);
  // Reads the next batch of `key`'s stream past its checkpoint and hands it over.
  void DeliverNext(const Key& key);
  void Handed(const Key& key, uint64_t offset, bool more);
  void StoreCheckpoint(const Key& key, uint64_t offset, std::function<void()> stored);

  const services::Platform platform_;
  std::map<std::string, std::vector<ActiveFilter>> filters_;  // by group
  std::map<Key, uint64_t> checkpoints_;
  std::map<Key, std::chrono::steady_clock::time_point> dirty_;  // new events not yet read, due
  std::set<Key> in_flight_;  // a batch being read or handed over
  std::shared_ptr<Relay> relay_;
  std::unique_ptr<boost::asio::steady_timer> batch_timer_;
  bool timer_armed_ = false;
  bool draining_ = false;
  uint64_t deliveries_ = 0;
  uint64_t events_delivered_ = 0;
  uint64_t delivery_failures_ = 0;
  Worker reader_{"logs-deliver"};  // last: joined before the rest goes
};

}  // namespace serval::logs
