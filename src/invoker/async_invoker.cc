#include "invoker/async_invoker.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <deque>
#include <map>
#include <set>

#include "common/json_fields.h"
#include "common/json_validate.h"
#include "common/time_format.h"
#include "services/lambda/errors.h"

namespace serval::invoker {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;

constexpr char kDroppedStream[] = "serval/async-dropped";

// A JSON value for a payload that is usually JSON text (else kept as a string).
json::value Embedded(std::string_view text) {
  if (IsValidJson(text)) return json::parse(text);
  return json::value(text);
}

// The line recorded in the function's serval/async-dropped stream for an event given up on.
std::string DroppedLine(const AsyncEvent& event, std::string_view reason,
                        std::string_view destination, std::string_view error) {
  return json::serialize(json::object{{"requestId", event.request_id},
                                      {"reason", reason},
                                      {"attempts", event.attempts},
                                      {"qualifier", event.qualifier},
                                      {"destination", destination},
                                      {"error", error}});
}

}  // namespace

int64_t RetryDelayMillis(int attempts) { return attempts <= 1 ? 60'000 : 120'000; }

std::string EncodeAsyncEvent(const AsyncEvent& event) {
  return json::serialize(json::object{{"request_id", event.request_id},
                                      {"function", event.function},
                                      {"qualifier", event.qualifier},
                                      {"attempts", event.attempts},
                                      {"enqueued_millis", event.enqueued_millis},
                                      {"next_attempt_millis", event.next_attempt_millis}});
}

absl::StatusOr<AsyncEvent> DecodeAsyncEvent(std::string_view metadata) {
  auto parsed = ParseStoredObject(metadata);
  if (!parsed.ok()) return parsed.status();
  const json::object& in = *parsed;
  AsyncEvent event;
  for (auto [key, field] :
       {std::pair{"request_id", &event.request_id}, std::pair{"function", &event.function},
        std::pair{"qualifier", &event.qualifier}}) {
    const json::value* value = in.if_contains(key);
    if (!value || !value->is_string()) return absl::DataLossError("queued event lacks a field");
    *field = std::string(value->get_string());
  }
  for (auto [key, field] : {std::pair{"enqueued_millis", &event.enqueued_millis},
                            std::pair{"next_attempt_millis", &event.next_attempt_millis}}) {
    const json::value* value = in.if_contains(key);
    if (!value || !value->is_int64()) return absl::DataLossError("queued event lacks a time");
    *field = value->get_int64();
  }
  const json::value* attempts = in.if_contains("attempts");
  event.attempts = attempts && attempts->is_int64() ? static_cast<int>(attempts->get_int64()) : 0;
  return event;
}

std::string DestinationRecord(const AsyncEvent& event, std::string_view payload,
                              const std::string& function_arn, const std::string& condition,
                              const std::string& executed_version,
                              const sandbox::InvocationOutcome& outcome, int64_t now_millis) {
  json::object response_context{{"statusCode", 200}, {"executedVersion", executed_version}};
  if (outcome.function_error) response_context["functionError"] = "Unhandled";
  json::object record{
      {"version", "1.0"},
      {"timestamp", FormatIso8601Millis(now_millis)},
      {"requestContext",
       json::object{
           {"requestId", event.request_id},
           {"functionArn",
            function_arn + ":" + (event.qualifier.empty() ? lambda::kLatest : event.qualifier)},
           {"condition", condition},
           {"approximateInvokeCount", event.attempts + (condition == "Success")}}},
      {"requestPayload", Embedded(payload)},
      {"responseContext", std::move(response_context)},
      {"responsePayload", Embedded(outcome.body)}};
  return json::serialize(record);
}

// The ErrorMessage a dead-letter message carries: the function's error message when its result
// is Lambda's error JSON ({"errorMessage": ...}), else the result itself (or the reason the event
// never ran).
std::string DeadLetterErrorMessage(const sandbox::InvocationOutcome& outcome) {
  boost::system::error_code error;
  json::value result = json::parse(outcome.body, error);
  if (!error && result.is_object()) {
    if (const json::value* message = result.get_object().if_contains("errorMessage");
        message && message->is_string()) {
      return std::string(message->get_string());
    }
  }
  return outcome.body;
}

class AsyncInvoker::Impl {
 public:
  Impl(asio::io_context& io, storage::DurableQueue* queue, storage::LogStore* logs,
       const Clock* clock, Runner runner, ConfigOf config_of, ArnOf arn_of, AsyncQueueLimits limits)
      : io_(io),
        queue_(queue),
        logs_(logs),
        clock_(clock),
        runner_(std::move(runner)),
        config_of_(std::move(config_of)),
        arn_of_(std::move(arn_of)),
        limits_(limits),
        timer_(io) {}

  void SetTopicSender(TopicSender sender) { topic_sender_ = std::move(sender); }

  void Recover() {
    for (storage::QueuedEvent& queued : queue_->Recover()) {
      auto event = DecodeAsyncEvent(queued.metadata);
      if (!event.ok()) {
        (void)queue_->Remove(queued.id);  // unreadable: nothing could ever deliver it
        continue;
      }
      event->id = queued.id;
      // Counted, never refused: limits lowered since they were accepted do not drop events.
      Count(event->function);
      Schedule(std::move(*event));
    }
    PumpSoon();
  }

  absl::Status Enqueue(AsyncEvent event, std::string payload,
                       std::function<void(absl::Status)> accepted) {
    if (queued_total_ >= limits_.total) {
      return lambda::TooManyRequests("ConcurrentInvocationLimitExceeded");
    }
    if (auto counted = queued_by_function_.find(event.function);
        counted != queued_by_function_.end() && counted->second >= limits_.per_function) {
      return lambda::TooManyRequests("FunctionInvocationRateLimitExceeded");
    }
    Count(event.function);
    std::string metadata = EncodeAsyncEvent(event);  // before the callback takes `event`
    queue_->Append(std::move(metadata), std::move(payload),
                   [this, event = std::move(event),
                    accepted = std::move(accepted)](absl::StatusOr<uint64_t> id) mutable {
                     if (!id.ok()) {
                       Uncount(event.function);
                       return accepted(id.status());
                     }
                     event.id = *id;
                     accepted(absl::OkStatus());
                     if (shut_down_) return;  // stays queued for the next start
                     Schedule(std::move(event));
                     Pump();
                   });
    return absl::OkStatus();
  }

  void EnqueueOrRecord(AsyncEvent event, std::string payload,
                       std::function<void(const absl::Status&)> settled) {
    auto settle = [this, event, settled](const absl::Status& status) {
      if (!status.ok()) {
        Record(event.function, {DroppedLine(event, "NotQueued", "", status.ToString())});
      }
      if (settled) settled(status);
    };
    // OK here means `settle` hears later, once the event is durable.
    if (absl::Status queued = Enqueue(event, std::move(payload), settle); !queued.ok()) {
      settle(queued);
    }
  }

  void DropFunction(const std::string& function) {
    if (!queued_by_function_.contains(function)) return;
    std::vector<uint64_t> ids;
    std::vector<std::string> lines;
    for (const auto& [id, event] : events_) {
      if (event.function != function) continue;
      ids.push_back(id);
      lines.push_back(DroppedLine(event, "FunctionDeleted", "", ""));
    }
    Record(function, lines);
    for (uint64_t id : ids) Finish(id);
    ready_.erase(function);
  }

  void PumpSoon() {
    if (pump_posted_ || shut_down_) return;
    pump_posted_ = true;
    asio::post(io_, [this] {
      pump_posted_ = false;
      Pump();
    });
  }

  void Shutdown() {
    shut_down_ = true;
    timer_.cancel();
  }

  size_t queued() const { return events_.size(); }

 private:
  // Events accepted (durable, or being written) count against the limits until they finish.
  void Count(const std::string& function) {
    ++queued_by_function_[function];
    ++queued_total_;
  }
  void Uncount(const std::string& function) {
    auto counted = queued_by_function_.find(function);
    if (--counted->second == 0) queued_by_function_.erase(counted);
    --queued_total_;
  }

  // Puts an event where it waits: ready now, or due at its next attempt time.
  void Schedule(AsyncEvent event) {
    const uint64_t id = event.id;
    const int64_t due = event.next_attempt_millis;
    const std::string function = event.function;
    events_[id] = std::move(event);
    if (due <= clock_->NowMillis()) {
      ready_[function].push_back(id);
    } else {
      delayed_.emplace(due, id);
    }
  }

  // Starts every ready event whose function has capacity, round-robin over functions, then arms
  // the timer for the next delayed one.
  void Pump() {
    if (shut_down_) return;
    const int64_t now = clock_->NowMillis();
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
      const uint64_t id = delayed_.begin()->second;
      delayed_.erase(delayed_.begin());
      if (auto event = events_.find(id); event != events_.end()) {
        ready_[event->second.function].push_back(id);
      }
    }
    for (auto function = ready_.begin(); function != ready_.end();) {
      std::deque<uint64_t>& ids = function->second;
      while (!ids.empty() && StartOne(ids.front())) ids.pop_front();
      function = ids.empty() ? ready_.erase(function) : std::next(function);
    }
    ArmTimer();
  }

  // Tries the event; false when its function is throttled (it stays first in line).
  bool StartOne(uint64_t id) {
    auto found = events_.find(id);
    if (found == events_.end()) return true;
    AsyncEvent& event = found->second;
    const std::optional<lambda::EventInvokeConfig> config = config_of_(event);
    if (!config) {
      Drop(event, "FunctionNotFound", lambda::EventInvokeConfig{}, "", {});
      return true;
    }
    // An event that waited (throttled) past its maximum age is not run at all.
    if (clock_->NowMillis() - event.enqueued_millis >=
        int64_t{config->maximum_event_age_seconds} * 1000) {
      Drop(event, "EventAgeExceeded", *config, "", {});
      return true;
    }
    in_flight_configs_[id] = *config;
    absl::Status read_error;
    const PayloadReader payload = [this, id, &read_error]() {
      absl::StatusOr<std::string> bytes = queue_->ReadPayload(id);
      if (!bytes.ok()) read_error = bytes.status();
      return bytes;
    };
    const StartResult result = runner_(
        event, payload, [this, id](sandbox::InvocationOutcome outcome, std::string version) {
          OnOutcome(id, std::move(outcome), std::move(version));
        });
    if (result == StartResult::kStarted) return true;
    in_flight_configs_.erase(id);
    if (result == StartResult::kThrottled) return false;
    if (result == StartResult::kPayloadUnreadable) {
      Drop(event, "PayloadUnreadable", *config, "", {.body = read_error.ToString()});
    } else {
      Drop(event, "FunctionNotFound", *config, "", {});
    }
    return true;
  }

  void OnOutcome(uint64_t id, sandbox::InvocationOutcome outcome, std::string version) {
    auto config_entry = in_flight_configs_.find(id);
    const lambda::EventInvokeConfig config = config_entry == in_flight_configs_.end()
                                                 ? lambda::EventInvokeConfig{}
                                                 : config_entry->second;
    if (config_entry != in_flight_configs_.end()) in_flight_configs_.erase(config_entry);
    auto found = events_.find(id);
    if (shut_down_ || found == events_.end()) return;
    AsyncEvent& event = found->second;
    const int64_t now = clock_->NowMillis();
    if (!outcome.function_error) {
      if (!config.on_success_destination.empty()) {
        SendToDestination(config.on_success_destination, event, "Success", version, outcome);
      }
      Finish(id);
      return PumpSoon();
    }
    ++event.attempts;
    const int64_t age = now - event.enqueued_millis;
    const int64_t max_age = int64_t{config.maximum_event_age_seconds} * 1000;
    const int64_t next = now + RetryDelayMillis(event.attempts);
    if (event.attempts > config.maximum_retry_attempts) {
      Drop(event, "RetriesExhausted", config, version, outcome);
    } else if (age >= max_age || next - event.enqueued_millis >= max_age) {
      Drop(event, "EventAgeExceeded", config, version, outcome);
    } else {
      event.next_attempt_millis = next;
      // Only the metadata is rewritten; a failed write fails the queue, and the event is then
      // retried from what is on disk at the next start.
      queue_->Update(id, EncodeAsyncEvent(event), {});
      delayed_.emplace(next, id);
    }
    PumpSoon();
  }

  void Drop(const AsyncEvent& event, const std::string& reason,
            const lambda::EventInvokeConfig& config, const std::string& version,
            const sandbox::InvocationOutcome& outcome) {
    if (!config.on_failure_destination.empty()) {
      SendToDestination(config.on_failure_destination, event, reason, version, outcome);
    }
    if (!config.dead_letter_target.empty()) {
      SendToDeadLetterTopic(config.dead_letter_target, event, outcome);
    }
    Record(event.function,
           {DroppedLine(event, reason, config.on_failure_destination, outcome.body)});
    Finish(event.id);
  }

  // Appends `lines` to the function's serval/async-dropped stream.
  void Record(const std::string& function, const std::vector<std::string>& lines) {
    auto writer = logs_->OpenStream("/aws/lambda/" + function, kDroppedStream, clock_->NowMillis());
    if (!writer.ok()) {
      // The record itself is lost: keep the operator from losing it too.
      for (const std::string& line : lines) {
        fmt::print(stderr, "serval: dropped async event of {} not recorded ({}): {}\n", function,
                   writer.status().ToString(), line);
      }
      return;
    }
    const int64_t now = clock_->NowMillis();
    for (const std::string& line : lines) (*writer)->Append(now, line);
  }

  void SendToDestination(const std::string& arn, const AsyncEvent& event,
                         const std::string& condition, const std::string& version,
                         const sandbox::InvocationOutcome& outcome) {
    if (arn.starts_with("arn:aws:sns:"))
      return SendToTopic(arn, event, condition, version, outcome);
    // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
      const size_t colon = arn.find(':', start);
      parts.push_back(arn.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (parts.size() < 7) return;
    AsyncEvent delivery;
    delivery.request_id = event.request_id + "-" + condition;
    delivery.function = parts[6];
    delivery.qualifier = parts.size() > 7 ? parts[7] : "";
    delivery.enqueued_millis = delivery.next_attempt_millis = clock_->NowMillis();
    // The event is still queued here (Finish comes after); an unreadable payload is recorded
    // as an empty one, the reason says why.
    const absl::StatusOr<std::string> payload = queue_->ReadPayload(event.id);
    EnqueueOrRecord(std::move(delivery),
                    DestinationRecord(event, payload.ok() ? *payload : "", arn_of_(event.function),
                                      condition, version.empty() ? lambda::kLatest : version,
                                      outcome, clock_->NowMillis()),
                    nullptr);
  }

  // A topic destination gets the record as the Message of a Publish. A publish that fails is
  // recorded in the function's serval/async-dropped stream (reason DestinationFailed).
  void SendToTopic(const std::string& arn, const AsyncEvent& event, const std::string& condition,
                   const std::string& version, const sandbox::InvocationOutcome& outcome) {
    const absl::StatusOr<std::string> payload = queue_->ReadPayload(event.id);
    std::string record = DestinationRecord(
        event, payload.ok() ? *payload : "", arn_of_(event.function), condition,
        version.empty() ? lambda::kLatest : version, outcome, clock_->NowMillis());
    auto failed = [this, event, arn](const absl::Status& status) {
      Record(event.function,
             {DroppedLine(event, "DestinationFailed", arn, std::string(status.message()))});
    };
    if (!topic_sender_) return failed(absl::UnavailableError("SNS is not available"));
    topic_sender_(arn, std::move(record), {}, [failed](absl::Status status) {
      if (!status.ok()) failed(status);
    });
  }

  // A dead-letter queue that is a topic gets the event itself as the Message, with Lambda's
  // RequestID, ErrorCode and ErrorMessage attributes. A publish that fails is recorded in the
  // function's serval/async-dropped stream (reason DeadLetterFailed).
  void SendToDeadLetterTopic(const std::string& arn, const AsyncEvent& event,
                             const sandbox::InvocationOutcome& outcome) {
    const absl::StatusOr<std::string> payload = queue_->ReadPayload(event.id);
    auto failed = [this, event, arn](const absl::Status& status) {
      Record(event.function,
             {DroppedLine(event, "DeadLetterFailed", arn, std::string(status.message()))});
    };
    if (!payload.ok()) return failed(payload.status());
    if (!topic_sender_) return failed(absl::UnavailableError("SNS is not available"));
    topic_sender_(arn, *payload,
                  {{"RequestID", "String", event.request_id},
                   {"ErrorCode", "Number", "200"},
                   {"ErrorMessage", "String", DeadLetterErrorMessage(outcome)}},
                  [failed](absl::Status status) {
                    if (!status.ok()) failed(status);
                  });
  }

  void Finish(uint64_t id) {
    auto found = events_.find(id);
    if (found == events_.end()) return;
    Uncount(found->second.function);
    events_.erase(found);
    (void)queue_->Remove(id);
  }

  void ArmTimer() {
    if (delayed_.empty()) return;
    const int64_t wait = std::max<int64_t>(0, delayed_.begin()->first - clock_->NowMillis());
    // Re-check at least once a second, so a clock that is advanced by hand is noticed promptly.
    timer_.expires_after(std::chrono::milliseconds(std::min<int64_t>(wait, 1000)));
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) Pump();
    });
  }

  asio::io_context& io_;
  storage::DurableQueue* queue_;
  storage::LogStore* logs_;
  const Clock* clock_;
  Runner runner_;
  ConfigOf config_of_;
  ArnOf arn_of_;
  const AsyncQueueLimits limits_;
  asio::steady_timer timer_;
  TopicSender topic_sender_;
  std::map<uint64_t, AsyncEvent> events_;              // every queued event by id
  std::map<std::string, std::deque<uint64_t>> ready_;  // runnable now, per function, FIFO
  std::multimap<int64_t, uint64_t> delayed_;           // due time -> id
  std::map<uint64_t, lambda::EventInvokeConfig> in_flight_configs_;
  // Events counted against the limits: queued, or being appended.
  std::map<std::string, size_t> queued_by_function_;
  size_t queued_total_ = 0;
  bool pump_posted_ = false;
  bool shut_down_ = false;
};

AsyncInvoker::AsyncInvoker(asio::io_context& io, storage::DurableQueue* queue,
                           storage::LogStore* logs, const Clock* clock, Runner runner,
                           ConfigOf config_of, ArnOf arn_of, AsyncQueueLimits limits)
    : impl_(std::make_unique<Impl>(io, queue, logs, clock, std::move(runner), std::move(config_of),
                                   std::move(arn_of), limits)) {}

AsyncInvoker::~AsyncInvoker() = default;

void AsyncInvoker::SetTopicSender(TopicSender sender) { impl_->SetTopicSender(std::move(sender)); }

void AsyncInvoker::Recover() { impl_->Recover(); }

absl::Status AsyncInvoker::Enqueue(AsyncEvent event, std::string payload,
                                   std::function<void(absl::Status)> accepted) {
  return impl_->Enqueue(std::move(event), std::move(payload), std::move(accepted));
}

void AsyncInvoker::EnqueueOrRecord(AsyncEvent event, std::string payload,
                                   std::function<void(const absl::Status&)> settled) {
  impl_->EnqueueOrRecord(std::move(event), std::move(payload), std::move(settled));
}

void AsyncInvoker::DropFunction(const std::string& function) { impl_->DropFunction(function); }

void AsyncInvoker::PumpSoon() { impl_->PumpSoon(); }

void AsyncInvoker::Shutdown() { impl_->Shutdown(); }

size_t AsyncInvoker::queued() const { return impl_->queued(); }

}  // namespace serval::invoker
