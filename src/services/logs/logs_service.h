#pragma once

#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/worker.h"
#include "protocol/json_rpc.h"
#include "services/logs/group_settings.h"
#include "services/platform.h"
#include "services/service.h"

namespace serval::logs {

class SubscriptionDelivery;

// The CloudWatch Logs front end: the JSON 1.1 API (X-Amz-Target: Logs_20140328.*) over Serval's
// log store (storage::LogStore), where functions' START/END/REPORT lines and output already go.
// Group settings (retention, tags, subscription filters) live in the metadata store; events stay
// in the stream files. Runs only on the io thread; `writer_` does the writes that must be on disk
// before the answer (groups, streams, PutLogEvents), `reader_` the reads of stream files
// (GetLogEvents, FilterLogEvents), so that a long search never delays a put. docs/logs.md.
class LogsService : public services::Service {
 public:
  using Input = boost::json::object;
  using Done = protocol::JsonOperationDone;

  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);
  LogsService(const services::Platform& platform, std::map<std::string, GroupSettings> settings);
  ~LogsService() override;

  const services::ServiceInfo& info() const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void Start() override;
  void Drain(std::function<void()> done) override;
  void OnClockAdvanced() override;
  void AddStats(boost::json::object& stats) const override;

 private:
  static const protocol::JsonOperationTable<LogsService>& Operations();

  // Groups (group_operations.cc).
  void CreateLogGroup(const Input& input, Done done);
  void DeleteLogGroup(const Input& input, Done done);
  absl::StatusOr<boost::json::object> DescribeLogGroups(const Input& input);
  void PutRetentionPolicy(const Input& input, Done done);
  void DeleteRetentionPolicy(const Input& input, Done done);
  void TagLogGroup(const Input& input, Done done);
  void UntagLogGroup(const Input& input, Done done);
  absl::StatusOr<boost::json::object> ListTagsLogGroup(const Input& input);
  void TagResource(const Input& input, Done done);
  void UntagResource(const Input& input, Done done);
  absl::StatusOr<boost::json::object> ListTagsForResource(const Input& input);
  // Streams (stream_operations.cc).
  void CreateLogStream(const Input& input, Done done);
  void DeleteLogStream(const Input& input, Done done);
  absl::StatusOr<boost::json::object> DescribeLogStreams(const Input& input);
  // Events (event_operations.cc, filter_log_events.cc).
  void PutLogEvents(const Input& input, Done done);
  void GetLogEvents(const Input& input, Done done);
  void FilterLogEvents(const Input& input, Done done);
  // Subscription filters (subscription_operations.cc).
  void PutSubscriptionFilter(const Input& input, Done done);
  absl::StatusOr<boost::json::object> DescribeSubscriptionFilters(const Input& input);
  void DeleteSubscriptionFilter(const Input& input, Done done);

  // The group's settings (the defaults for a group without a record).
  const GroupSettings& SettingsOf(const std::string& group) const;
  // Changes the settings of an existing group (ResourceNotFound otherwise) through `change`,
  // stores them and answers `done` with {} once they are durable.
  void UpdateSettings(const std::string& group,
                      const std::function<absl::Status(GroupSettings&)>& change, Done done);
  // Events older than this (epoch millis) are past the group's retention: reads skip them.
  int64_t RetentionCutoff(const std::string& group) const;
  // Deletes the streams whose newest event is past their group's retention.
  void SweepRetention();
  void ArmSweep();

  const services::Platform platform_;
  std::map<std::string, GroupSettings, std::less<>> settings_;  // groups that have a record
  std::unique_ptr<SubscriptionDelivery> subscriptions_;
  std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
  bool draining_ = false;
  uint64_t events_put_ = 0;
  uint64_t streams_expired_ = 0;
  Worker writer_{"logs-write"};
  Worker reader_{"logs-read"};  // last two: joined first, before what their jobs use goes
};

}  // namespace serval::logs
