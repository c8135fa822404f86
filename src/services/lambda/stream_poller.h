#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/clock.h"
#include "services/lambda/mapping_store.h"
#include "services/stream_source.h"
#include "services/topic_publisher.h"
#include "storage/log_store.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::invoker {
class Invoker;
}  // namespace serval::invoker

namespace serval::lambda {

// Delivers the records of DynamoDB streams to functions, for every enabled event source mapping
// of a MappingStore (stream_poller.cc explains the per-shard loop). Runs only on the io thread.
class StreamPoller {
 public:
  struct Dependencies {
    const Clock* clock = nullptr;  // batching windows, retry delays and record ages
    boost::asio::io_context* io = nullptr;
    invoker::Invoker* invoker = nullptr;
    MappingStore* mappings = nullptr;
    services::StreamSourceSlot* streams = nullptr;
    services::TopicPublisherSlot* topics = nullptr;  // on-failure destinations
    // Where a discarded batch is recorded: the function's log group, stream serval/stream-dropped.
    storage::LogStore* logs = nullptr;
  };

  explicit StreamPoller(Dependencies dependencies);
  ~StreamPoller();

  // Starts polling every enabled mapping (once the stream source exists).
  void Start();
  // A mapping was created, updated or deleted (`uuid` no longer in the store): starts, restarts
  // with its new settings, or stops polling it.
  void Refresh(const std::string& uuid);
  // The simulated clock moved: batching windows and retry delays that ended are acted on.
  void OnClockAdvanced();
  // Stops polling. A batch in flight is not waited for: its checkpoint has not moved, so it is
  // delivered again after a restart (at least once).
  void Stop();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace serval::lambda
