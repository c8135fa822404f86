#include "services/logs/logs_service.h"

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "protocol/protocol.h"
#include "services/logs/logs_access.h"
#include "services/logs/request_fields.h"
#include "services/logs/subscription_delivery.h"
#include "storage/log_store.h"
#include "storage/metadata_store.h"

namespace serval::logs {
namespace json = boost::json;
namespace {

constexpr protocol::Protocol kProtocol = protocol::Protocol::kAwsJson1_1;
constexpr std::string_view kSettingsTable = "logs.groups";
// Retention is in days; an hourly sweep deletes expired streams close enough to the day.
constexpr auto kSweepInterval = std::chrono::hours(1);
constexpr int64_t kMillisPerDay = 24LL * 3600 * 1000;

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> LogsService::Create(
    const services::Platform& platform) {
  auto records = platform.metadata->Scan(kSettingsTable, {});
  if (!records.ok()) return records.status();
  std::map<std::string, GroupSettings> settings;
  for (const storage::Record& record : *records) {
    auto parsed = ParseGroupSettings(record.value);
    if (!parsed.ok()) return parsed.status();
    settings.emplace(record.key, *std::move(parsed));
  }
  return std::make_unique<LogsService>(platform, std::move(settings));
}

LogsService::LogsService(const services::Platform& platform,
                         std::map<std::string, GroupSettings> settings)
    : platform_(platform), settings_(settings.begin(), settings.end()) {
  subscriptions_ = std::make_unique<SubscriptionDelivery>(platform_);
  for (const auto& [group, group_settings] : settings_) {
    subscriptions_->SetFilters(group, group_settings.subscription_filters);
  }
}

LogsService::~LogsService() = default;

const services::ServiceInfo& LogsService::info() const {
  static const services::ServiceInfo kInfo{.name = "logs",
                                           .signing_name = "logs",
                                           .protocol = kProtocol,
                                           .target_prefixes = {"Logs_20140328."},
                                           // Every request signed for logs is one for this API
                                           // (another target gets UnknownOperation, as AWS's
                                           // endpoint answers it).
                                           .claims_signed_requests = true};
  return kInfo;
}

const protocol::JsonOperationTable<LogsService>& LogsService::Operations() {
  using S = LogsService;
  static const protocol::JsonOperationTable<S> kTable{
      {"CreateLogGroup", &S::CreateLogGroup},
      {"DeleteLogGroup", &S::DeleteLogGroup},
      {"DescribeLogGroups", &S::DescribeLogGroups},
      {"PutRetentionPolicy", &S::PutRetentionPolicy},
      {"DeleteRetentionPolicy", &S::DeleteRetentionPolicy},
      {"TagLogGroup", &S::TagLogGroup},
      {"UntagLogGroup", &S::UntagLogGroup},
      {"ListTagsLogGroup", &S::ListTagsLogGroup},
      {"TagResource", &S::TagResource},
      {"UntagResource", &S::UntagResource},
      {"ListTagsForResource", &S::ListTagsForResource},
      {"CreateLogStream", &S::CreateLogStream},
      {"DeleteLogStream", &S::DeleteLogStream},
      {"DescribeLogStreams", &S::DescribeLogStreams},
      {"PutLogEvents", &S::PutLogEvents},
      {"GetLogEvents", &S::GetLogEvents},
      {"FilterLogEvents", &S::FilterLogEvents},
      {"PutSubscriptionFilter", &S::PutSubscriptionFilter},
      {"DescribeSubscriptionFilters", &S::DescribeSubscriptionFilters},
      {"DeleteSubscriptionFilter", &S::DeleteSubscriptionFilter},
  };
  return kTable;
}

void LogsService::Handle(protocol::RequestContext context, http::Responder respond) {
  const auto authorize = [this, &context](const protocol::JsonRpcRequest& request) {
    return services::CheckAccess(
        platform_.authorizer, context.caller, "AccessDeniedException",
        [&] { return AccessRequestsFor(request.operation, request.input, platform_.account); });
  };
  protocol::ServeJsonRpc(kProtocol, "Logs_20140328.", Operations(), *this, context, authorize,
                         std::move(respond));
}

void LogsService::Start() {
  // Reads every group's stream headers once, off the io thread, so that the first
  // DescribeLogGroups does not.
  writer_.Post([logs = platform_.logs] { (void)logs->ListGroups(); });
  subscriptions_->Start();
  sweep_timer_ = std::make_unique<boost::asio::steady_timer>(*platform_.io);
  SweepRetention();
  ArmSweep();
}

void LogsService::ArmSweep() {
  sweep_timer_->expires_after(kSweepInterval);
  sweep_timer_->async_wait([this](const boost::system::error_code& error) {
    if (error || draining_) return;
    SweepRetention();
    ArmSweep();
  });
}

void LogsService::Drain(std::function<void()> done) {
  draining_ = true;
  if (sweep_timer_) sweep_timer_->cancel();
  subscriptions_->Drain(std::move(done));
}

void LogsService::OnClockAdvanced() {
  SweepRetention();
  subscriptions_->OnClockAdvanced();
}

void LogsService::AddStats(json::object& stats) const {
  json::object logs{{"groups_with_settings", settings_.size()},
                    {"events_put", events_put_},
                    {"streams_expired", streams_expired_}};
  subscriptions_->AddStats(logs);
  stats["logs"] = std::move(logs);
}

const GroupSettings& LogsService::SettingsOf(const std::string& group) const {
  static const GroupSettings kDefaults;
  auto found = settings_.find(group);
  return found == settings_.end() ? kDefaults : found->second;
}

void LogsService::UpdateSettings(const std::string& group,
                                 const std::function<absl::Status(GroupSettings&)>& change,
                                 Done done) {
  if (!platform_.logs->GetGroup(group)) return done(GroupNotFound());
  GroupSettings updated = SettingsOf(group);
  if (auto status = change(updated); !status.ok()) return done(status);
  storage::WriteBatch batch;
  batch.Put(std::string(kSettingsTable), group, SerializeGroupSettings(updated));
  platform_.metadata->WriteAsync(
      std::move(batch), [this, group, updated, done = std::move(done)](absl::Status status) {
        if (!status.ok()) return done(FromStore(status));
        subscriptions_->SetFilters(group, updated.subscription_filters);
        settings_[group] = updated;
        done(json::object{});
      });
}

int64_t LogsService::RetentionCutoff(const std::string& group) const {
  const GroupSettings& settings = SettingsOf(group);
  if (!settings.retention_days) return INT64_MIN;
  return platform_.clock->NowMillis() - *settings.retention_days * kMillisPerDay;
}

void LogsService::SweepRetention() {
  for (const auto& [group, settings] : settings_) {
    if (!settings.retention_days) continue;
    writer_.Post([this, group = group, cutoff = RetentionCutoff(group)] {
      auto streams = platform_.logs->ListStreams(group);
      if (!streams.ok()) return;
      uint64_t expired = 0;
      for (const storage::LogStreamInfo& stream : *streams) {
        // A stream that never had an event has nothing to expire.
        if (stream.last_event_millis && *stream.last_event_millis < cutoff &&
            platform_.logs->DeleteStream(group, stream.name).ok()) {
          ++expired;
        }
      }
      if (expired > 0) platform_.post_to_io([this, expired] { streams_expired_ += expired; });
    });
  }
}

}  // namespace serval::logs
