// The stream poller: each enabled mapping watches its stream and keeps, per shard, the records it
// has read but not yet delivered. A shard has at most one thing in flight (a read, an invocation,
// a checkpoint write or an on-failure send), so its records reach the function in order, one
// batch at a time. A child shard starts once its parent is closed and delivered to its end.
//
// A batch is sent when BatchSize records are pending, when the batching window (measured on the
// injected clock from when the first of them was read) has passed, or at once without a window.
// It is delivered when the function answers without an error; only then does the checkpoint
// (the last sequence number delivered) move, durably, so a crash or stop re-delivers the batch:
// at least once. A function error retries the same batch (after 0.5 s, 1 s, 2 s ... up to 30 s on
// the clock) or, with BisectBatchOnFunctionError, splits it in halves that are retried in order
// (a split spends no retry). After MaximumRetryAttempts retries, or once its oldest records are
// older than MaximumRecordAgeInSeconds, a batch is given up: its failure record goes to the
// function's serval/stream-dropped log stream and to the on-failure destination, and the
// checkpoint moves past it. Invocations that fail before the function runs (throttled, no
// environment, no such function) are retried every second without spending retries, as AWS
// does, until the records age out.
//
// Nothing here spins: a shard reads again only when its stream's Watch says records were
// appended, when its last read was full, or when a timer (a window or a retry delay, sleeping
// at most a second so that a simulated clock is noticed) comes due.

#include "services/lambda/stream_poller.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <deque>
#include <optional>
#include <vector>

#include "common/ids.h"
#include "common/json_fields.h"
#include "invoker/invoker.h"
#include "services/events/event_pattern.h"
#include "services/lambda/function_request.h"
#include "services/lambda/stream_failure_record.h"

namespace serval::lambda {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr char kDroppedStream[] = "serval/stream-dropped";
// The most an invocation payload may carry (Lambda's synchronous request limit).
constexpr size_t kMaxPayloadBytes = 6291456;
constexpr int64_t kFirstRetryDelayMillis = 500;
constexpr int64_t kMaxRetryDelayMillis = 30000;
// How long an invocation that failed before the function ran, or a failed read or checkpoint
// write, waits before it is tried again.
constexpr int64_t kRetryLaterMillis = 1000;
// The timer never sleeps longer than this, so that a clock moved by hand is noticed.
constexpr int64_t kMaxSleepMillis = 1000;

int64_t RetryDelay(int attempts) {
  int64_t delay = kFirstRetryDelayMillis;
  for (int i = 1; i < attempts && delay < kMaxRetryDelayMillis; ++i) delay *= 2;
  return std::min(delay, kMaxRetryDelayMillis);
}

}  // namespace

class StreamPoller::Impl {
 public:
  explicit Impl(Dependencies deps) : deps_(std::move(deps)), timer_(*deps_.io) {}

  void Start() {
    started_ = true;
    for (const auto& [uuid, mapping] : deps_.mappings->mappings()) Refresh(uuid);
  }

  void Refresh(const std::string& uuid) {
    if (!started_ || stopped_) return;
    const EventSourceMapping* mapping = deps_.mappings->Find(uuid);
    if (!mapping || !mapping->enabled) return StopMapping(uuid);
    if (auto running = running_.find(uuid); running != running_.end()) {
      // Still enabled: the new settings apply from the next batch on (they are read from the
      // store each time); the shards keep their place and what is in flight.
      running->second->filters = CompileFilters(*mapping);
      return PumpMapping(uuid, running->second->generation);
    }
    services::StreamSource* source = Source();
    if (!source) return;  // no DynamoDB: nothing can be read (creation refuses such mappings)
    auto run = std::make_unique<Running>();
    run->stream_arn = mapping->event_source_arn;
    run->generation = ++last_generation_;
    run->filters = CompileFilters(*mapping);
    const uint64_t generation = run->generation;
    // The wake comes from inside the source's write path: the reads it leads to start later.
    run->watch_id = source->Watch(run->stream_arn, [this, uuid, generation] {
      asio::post(*deps_.io, [this, uuid, generation] {
        if (Running* running = Find(uuid, generation)) {
          for (auto& [id, shard] : running->shards) shard.more = true;
          ListShards(uuid, generation);
        }
      });
    });
    running_[uuid] = std::move(run);
    ListShards(uuid, generation);
  }

  void OnClockAdvanced() { PumpAll(); }

  void Stop() {
    stopped_ = true;
    timer_.cancel();
    for (const auto& [uuid, run] : running_) Unwatch(*run);
    running_.clear();
  }

 private:
  struct Shard {
    std::string parent;
    bool open = true;
    bool exhausted = false;  // closed, and every record of it read and delivered
    bool more = true;        // records may follow read_after: read before sending a batch
    bool busy = false;       // a read, invocation, checkpoint write or destination send
    std::string checkpoint;  // the last sequence number delivered (durably); empty: none
    std::string read_after;  // the last sequence number read
    // Read, passing the filters, not yet delivered, oldest first.
    std::vector<services::StreamRecord> pending;
    // Sizes of the batches pending starts with, once fixed: by a failed invocation (the same
    // batch is retried) and by bisection. Empty: the next batch is gathered.
    std::deque<size_t> batches;
    int attempts = 0;  // failed invocations of the batch at the front
    std::optional<StreamInvokeResponse> last_response;
    int64_t gathering_since = 0;  // when pending last became non-empty
    int64_t retry_at = 0;
  };
  struct Running {
    std::string stream_arn;
    uint64_t generation = 0;  // tells callbacks of a stopped run from those of the current one
    uint64_t watch_id = 0;
    std::vector<events::EventPattern> filters;
    std::map<std::string, Shard> shards;
    bool listing = false;
    bool relist = false;  // a wake came while listing
  };

  services::StreamSource* Source() const {
    return deps_.streams ? deps_.streams->dynamodb : nullptr;
  }

  static std::vector<events::EventPattern> CompileFilters(const EventSourceMapping& mapping) {
    std::vector<events::EventPattern> filters;
    for (const std::string& pattern : mapping.filter_patterns) {
      // Checked when the mapping was created or updated.
      auto parsed = events::EventPattern::Parse(pattern, events::PatternDialect::kEventBridge);
      if (parsed.ok()) filters.push_back(*std::move(parsed));
    }
    return filters;
  }

  static bool Passes(const Running& run, const services::StreamRecord& record) {
    if (run.filters.empty()) return true;
    auto parsed = ParseStoredObject(record.json);
    if (!parsed.ok()) return false;
    const json::value event = *std::move(parsed);
    return std::any_of(run.filters.begin(), run.filters.end(),
                       [&](const events::EventPattern& filter) { return filter.Matches(event); });
  }

  Running* Find(const std::string& uuid, uint64_t generation) {
    auto found = running_.find(uuid);
    return found != running_.end() && found->second->generation == generation ? found->second.get()
                                                                              : nullptr;
  }
  Shard* FindShard(const std::string& uuid, uint64_t generation, const std::string& shard_id) {
    Running* run = Find(uuid, generation);
    if (!run) return nullptr;
    auto found = run->shards.find(shard_id);
    return found == run->shards.end() ? nullptr : &found->second;
  }

  void Unwatch(const Running& run) {
    if (services::StreamSource* source = Source()) source->Unwatch(run.watch_id);
  }

  void StopMapping(const std::string& uuid) {
    auto found = running_.find(uuid);
    if (found == running_.end()) return;
    Unwatch(*found->second);
    running_.erase(found);
  }

  void ListShards(const std::string& uuid, uint64_t generation) {
    Running* run = Find(uuid, generation);
    services::StreamSource* source = Source();
    if (!run || !source) return;
    if (run->listing) {
      run->relist = true;
      return;
    }
    run->listing = true;
    source->ListShards(run->stream_arn, [this, uuid, generation](auto shards) {
      Running* run = Find(uuid, generation);
      if (!run) return;
      run->listing = false;
      if (!shards.ok()) {
        fmt::print(stderr, "serval: event source mapping {} cannot list the shards of {}: {}\n",
                   uuid, run->stream_arn, shards.status().ToString());
        return;
      }
      std::map<std::string, Shard> kept;
      for (const services::StreamShard& listed : *shards) {
        auto existing = run->shards.find(listed.shard_id);
        Shard shard;
        if (existing != run->shards.end()) {
          shard = std::move(existing->second);
        } else {
          shard.parent = listed.parent_shard_id;
          shard.checkpoint = deps_.mappings->Checkpoint(uuid, listed.shard_id);
          shard.read_after = shard.checkpoint;
        }
        shard.open = listed.open;
        kept.emplace(listed.shard_id, std::move(shard));
      }
      // A shard no longer listed was trimmed away: only one with nothing in flight is let go.
      for (auto& [id, shard] : run->shards) {
        if (shard.busy && !kept.contains(id)) kept.emplace(id, std::move(shard));
      }
      run->shards = std::move(kept);
      if (run->relist) {
        run->relist = false;
        asio::post(*deps_.io, [this, uuid, generation] { ListShards(uuid, generation); });
      }
      PumpMapping(uuid, generation);
    });
  }

  void PumpMapping(const std::string& uuid, uint64_t generation) {
    Running* run = Find(uuid, generation);
    if (!run) return;
    std::vector<std::string> ids;
    for (const auto& [id, shard] : run->shards) ids.push_back(id);
    for (const std::string& id : ids) Pump(uuid, generation, id);
  }

  void PumpAll() {
    std::vector<std::pair<std::string, uint64_t>> runs;
    for (const auto& [uuid, run] : running_) runs.emplace_back(uuid, run->generation);
    for (const auto& [uuid, generation] : runs) PumpMapping(uuid, generation);
  }

  // Runs Pump on the io thread later: callbacks may come from inside the call they answer.
  void PumpSoon(const std::string& uuid, uint64_t generation, const std::string& shard_id) {
    asio::post(*deps_.io, [this, uuid, generation, shard_id] { Pump(uuid, generation, shard_id); });
  }

  // Decides the shard's next step: read, wait, invoke or give up.
  void Pump(const std::string& uuid, uint64_t generation, const std::string& shard_id) {
    Running* run = Find(uuid, generation);
    Shard* shard = FindShard(uuid, generation, shard_id);
    const EventSourceMapping* mapping = deps_.mappings->Find(uuid);
    if (stopped_ || !run || !shard || !mapping || shard->busy || shard->exhausted) return;
    if (auto parent = run->shards.find(shard->parent);
        parent != run->shards.end() && !parent->second.exhausted) {
      return;  // the parent's records come first
    }
    const int64_t now = deps_.clock->NowMillis();
    if (mapping->maximum_record_age_seconds >= 0) {
      const int64_t max_age = int64_t{mapping->maximum_record_age_seconds} * 1000;
      const size_t expired =
          std::find_if(shard->pending.begin(), shard->pending.end(),
                       [&](const auto& record) { return now - record.created_millis <= max_age; }) -
          shard->pending.begin();
      if (expired > 0) {
        return GiveUp(uuid, generation, shard_id, std::min(expired, FrontBatch(*shard, *mapping)),
                      kRecordAgeExceeded);
      }
    }
    if (shard->retry_at > now) return ArmTimer(shard->retry_at);
    const size_t batch_size = static_cast<size_t>(mapping->batch_size);
    if (shard->batches.empty() && shard->more && shard->pending.size() < batch_size) {
      return Read(uuid, generation, shard_id, batch_size - shard->pending.size());
    }
    if (shard->pending.empty()) {
      if (!shard->open && !shard->more) {
        shard->exhausted = true;
        asio::post(*deps_.io, [this, uuid, generation] { PumpMapping(uuid, generation); });
      }
      return;
    }
    const int64_t window_end =
        shard->gathering_since + int64_t{mapping->maximum_batching_window_seconds} * 1000;
    if (shard->batches.empty() && shard->pending.size() < batch_size && now < window_end) {
      return ArmTimer(window_end);
    }
    Invoke(uuid, generation, shard_id, FrontBatch(*shard, *mapping));
  }

  // How many records the next batch takes: the fixed batch being retried, or up to BatchSize
  // records and the payload limit (at least one).
  static size_t FrontBatch(const Shard& shard, const EventSourceMapping& mapping) {
    if (!shard.batches.empty()) return shard.batches.front();
    const size_t limit = std::min(shard.pending.size(), static_cast<size_t>(mapping.batch_size));
    size_t bytes = 16, count = 0;
    while (count < limit &&
           (count == 0 || bytes + shard.pending[count].json.size() + 1 <= kMaxPayloadBytes)) {
      bytes += shard.pending[count++].json.size() + 1;
    }
    return count;
  }

  void Read(const std::string& uuid, uint64_t generation, const std::string& shard_id,
            size_t limit) {
    Running* run = Find(uuid, generation);
    Shard& shard = run->shards.at(shard_id);
    shard.busy = true;
    Source()->ReadRecords(
        run->stream_arn, shard_id, shard.read_after, limit,
        [this, uuid, generation, shard_id, limit](auto records) {
          Running* run = Find(uuid, generation);
          Shard* shard = FindShard(uuid, generation, shard_id);
          if (!shard) return;
          shard->busy = false;
          const int64_t now = deps_.clock->NowMillis();
          if (!records.ok()) {
            fmt::print(stderr, "serval: event source mapping {} cannot read shard {}: {}\n", uuid,
                       shard_id, records.status().ToString());
            shard->retry_at = now + kRetryLaterMillis;
            return ArmTimer(shard->retry_at);
          }
          shard->more = records->size() >= limit;
          for (services::StreamRecord& record : *records) {
            shard->read_after = record.sequence_number;
            if (!Passes(*run, record)) continue;
            if (shard->pending.empty()) shard->gathering_since = now;
            shard->pending.push_back(std::move(record));
          }
          // Records that no filter lets through are passed over: the checkpoint moves past them.
          if (shard->pending.empty() && shard->read_after != shard->checkpoint) {
            return SaveCheckpoint(uuid, generation, shard_id, shard->read_after);
          }
          PumpSoon(uuid, generation, shard_id);
        });
  }

  void Invoke(const std::string& uuid, uint64_t generation, const std::string& shard_id,
              size_t count) {
    Shard& shard = Find(uuid, generation)->shards.at(shard_id);
    const EventSourceMapping& mapping = *deps_.mappings->Find(uuid);
    std::string payload = R"({"Records":[)";
    for (size_t i = 0; i < count; ++i) {
      if (i > 0) payload += ',';
      payload += shard.pending[i].json;
    }
    payload += "]}";
    shard.busy = true;
    deps_.invoker->InvokeSync(
        invoker::InvokeRequest{.function = mapping.function_arn, .payload = std::move(payload)},
        [this, uuid, generation, shard_id, count](auto result) {
          Shard* shard = FindShard(uuid, generation, shard_id);
          const EventSourceMapping* mapping = deps_.mappings->Find(uuid);
          if (!shard || !mapping) return;
          shard->busy = false;
          if (result.ok() && !result->outcome.function_error) {
            deps_.mappings->SetLastProcessingResult(uuid, kProcessingOk);
            return Delivered(uuid, generation, shard_id, count);
          }
          deps_.mappings->SetLastProcessingResult(uuid, kFunctionCallFailed);
          const int64_t now = deps_.clock->NowMillis();
          if (shard->batches.empty()) shard->batches.push_front(count);
          if (!result.ok()) {
            // The function did not run (throttled, no environment, gone): no retry is spent.
            shard->retry_at = now + kRetryLaterMillis;
            return PumpSoon(uuid, generation, shard_id);
          }
          ++shard->attempts;
          shard->last_response = StreamInvokeResponse{.executed_version = result->executed_version,
                                                      .function_error = "Unhandled"};
          if (mapping->bisect_batch_on_function_error && count > 1) {
            shard->batches.pop_front();
            shard->batches.push_front(count / 2);
            shard->batches.push_front(count - count / 2);
            shard->attempts = 0;
            return PumpSoon(uuid, generation, shard_id);
          }
          if (mapping->maximum_retry_attempts >= 0 &&
              shard->attempts > mapping->maximum_retry_attempts) {
            return GiveUp(uuid, generation, shard_id, count, kRetryAttemptsExhausted);
          }
          shard->retry_at = now + RetryDelay(shard->attempts);
          PumpSoon(uuid, generation, shard_id);
        });
  }

  // The first `count` pending records are done with (delivered or given up): the checkpoint
  // moves past them.
  void Delivered(const std::string& uuid, uint64_t generation, const std::string& shard_id,
                 size_t count) {
    Shard& shard = *FindShard(uuid, generation, shard_id);
    const std::string last = shard.pending[count - 1].sequence_number;
    shard.pending.erase(shard.pending.begin(), shard.pending.begin() + count);
    if (!shard.batches.empty()) shard.batches.pop_front();
    shard.attempts = 0;
    shard.last_response.reset();
    shard.retry_at = 0;
    SaveCheckpoint(uuid, generation, shard_id, shard.pending.empty() ? shard.read_after : last);
  }

  void SaveCheckpoint(const std::string& uuid, uint64_t generation, const std::string& shard_id,
                      std::string sequence) {
    FindShard(uuid, generation, shard_id)->busy = true;
    deps_.mappings->SaveCheckpoint(
        uuid, shard_id, sequence,
        [this, uuid, generation, shard_id, sequence](absl::Status status) {
          Shard* shard = FindShard(uuid, generation, shard_id);
          if (!shard) return;
          shard->busy = false;
          if (status.ok()) {
            shard->checkpoint = sequence;
          } else {
            // Delivered all the same; the next checkpoint written covers these records too.
            fmt::print(stderr, "serval: event source mapping {} cannot store its checkpoint: {}\n",
                       uuid, status.ToString());
          }
          PumpSoon(uuid, generation, shard_id);
        });
  }

  // Records the failure of the first `count` pending records, sends it to the on-failure
  // destination, then moves past them.
  void GiveUp(const std::string& uuid, uint64_t generation, const std::string& shard_id,
              size_t count, const char* condition) {
    Running& run = *Find(uuid, generation);
    Shard& shard = run.shards.at(shard_id);
    const EventSourceMapping& mapping = *deps_.mappings->Find(uuid);
    const std::vector<services::StreamRecord> batch(shard.pending.begin(),
                                                    shard.pending.begin() + count);
    const std::string record = StreamFailureRecord({.request_id = NewUuid(),
                                                    .function_arn = mapping.function_arn,
                                                    .condition = condition,
                                                    .approximate_invoke_count = shard.attempts,
                                                    .response = shard.last_response,
                                                    .now_millis = deps_.clock->NowMillis(),
                                                    .shard_id = shard_id,
                                                    .stream_arn = run.stream_arn},
                                                   batch);
    auto reference = ParseFunctionReference(mapping.function_arn);
    const std::string function = reference.ok() ? reference->name : mapping.function_arn;
    RecordDropped(function, record);
    const std::string& destination = mapping.on_failure_destination;
    if (destination.empty()) return Delivered(uuid, generation, shard_id, count);
    services::TopicPublisher* publisher = deps_.topics ? deps_.topics->publisher : nullptr;
    const std::string source = "lambda:event-source-mapping/" + uuid;
    if (!publisher) {
      deps_.invoker->ReportUndeliverable(source, function,
                                         absl::UnavailableError("SNS is not available"));
      return Delivered(uuid, generation, shard_id, count);
    }
    shard.busy = true;
    publisher->PublishForService(
        destination, "", record, {},
        [this, uuid, generation, shard_id, count, source, function](absl::Status status) {
          if (!status.ok()) deps_.invoker->ReportUndeliverable(source, function, status);
          Shard* shard = FindShard(uuid, generation, shard_id);
          if (!shard) return;
          shard->busy = false;
          Delivered(uuid, generation, shard_id, count);
        });
  }

  // Appends a discarded batch's failure record to the function's serval/stream-dropped stream.
  void RecordDropped(const std::string& function, const std::string& record) {
    auto writer =
        deps_.logs->OpenStream("/aws/lambda/" + function, kDroppedStream, deps_.clock->NowMillis());
    if (!writer.ok()) {
      fmt::print(stderr, "serval: discarded stream batch of {} not recorded ({}): {}\n", function,
                 writer.status().ToString(), record);
      return;
    }
    (*writer)->Append(deps_.clock->NowMillis(), record);
    (*writer)->Flush();
  }

  // Wakes PumpAll at `due_millis` on the clock (or within a second, to notice a clock moved by
  // hand), unless it is already set to wake no later.
  void ArmTimer(int64_t due_millis) {
    if (stopped_) return;
    const int64_t wait =
        std::clamp<int64_t>(due_millis - deps_.clock->NowMillis(), 0, kMaxSleepMillis);
    const auto wake_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait);
    if (armed_ && armed_until_ <= wake_at) return;
    armed_ = true;
    armed_until_ = wake_at;
    timer_.expires_at(wake_at);
    timer_.async_wait([this](boost::system::error_code error) {
      if (error) return;  // re-armed earlier, or stopped
      armed_ = false;
      PumpAll();
    });
  }

  Dependencies deps_;
  asio::steady_timer timer_;
  bool armed_ = false;
  std::chrono::steady_clock::time_point armed_until_;
  bool started_ = false;
  bool stopped_ = false;
  uint64_t last_generation_ = 0;
  std::map<std::string, std::unique_ptr<Running>> running_;
};

StreamPoller::StreamPoller(Dependencies dependencies)
    : impl_(std::make_unique<Impl>(std::move(dependencies))) {}
StreamPoller::~StreamPoller() = default;

void StreamPoller::Start() { impl_->Start(); }
void StreamPoller::Refresh(const std::string& uuid) { impl_->Refresh(uuid); }
void StreamPoller::OnClockAdvanced() { impl_->OnClockAdvanced(); }
void StreamPoller::Stop() { impl_->Stop(); }

}  // namespace serval::lambda
