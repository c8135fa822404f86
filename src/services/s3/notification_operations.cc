// Event notifications of S3Service: the bucket's configuration (PUT and GET ?notification), the
// records queued for functions when objects change, and reads of objects for other front ends.
//
// Durability: a change is answered only once the records of its events are in the invoker's
// durable queue (Notify runs the answer in the last enqueue's completion), so a notification is
// never lost once its PUT got its 200, kill -9 included. The object's commit and the enqueue are
// two writes to two stores: a crash between them leaves the object changed without its event,
// but then the client got no 200 either, and retries (which notifies).

#include <fmt/format.h>

#include "common/aws_error.h"
#include "common/text.h"
#include "invoker/invoker.h"
#include "services/lambda/function_registry.h"
#include "services/lambda/resource_policy.h"
#include "services/s3/eventbridge_events.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_service.h"
#include "storage/offload.h"

namespace serval::s3 {
namespace {

constexpr std::string_view kS3Principal = "s3.amazonaws.com";

// A destination S3 cannot deliver to: {ArgumentName, ArgumentValue} as S3 reports it.
using Refusal = std::pair<std::string, std::string>;

// "Unable to validate the following destination configurations", each refused destination
// numbered (ArgumentName1/ArgumentValue1, ...), as S3 answers.
absl::Status UnableToValidate(const std::vector<Refusal>& refusals) {
  absl::Status status = S3Error(400, "InvalidArgument",
                                "Unable to validate the following destination configurations");
  for (size_t i = 0; i < refusals.size(); ++i) {
    status =
        WithErrorField(std::move(status), fmt::format("ArgumentName{}", i + 1), refusals[i].first);
    status = WithErrorField(std::move(status), fmt::format("ArgumentValue{}", i + 1),
                            refusals[i].second);
  }
  return status;
}

// Whether S3 may invoke the function `arn` names for `bucket`: it exists in this account and
// region (with its qualifier, if any), and its resource policy lets s3.amazonaws.com call
// lambda:InvokeFunction for the bucket. AWS says "Not authorized" for a missing function too.
std::optional<Refusal> FunctionRefusal(const lambda::FunctionRegistry& functions,
                                       const AccountContext& account, std::string_view arn,
                                       std::string_view bucket) {
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] (its shape was checked on parse)
  const std::vector<std::string_view> parts = SplitOn(arn, ':');
  const std::string_view qualifier = parts.size() > 7 ? parts[7] : std::string_view();
  const lambda::FunctionRegistry::Function* function = functions.Find(parts[6]);
  bool allowed = parts[3] == account.region && parts[4] == account.account_id && function;
  if (allowed && !qualifier.empty() && qualifier != lambda::kLatest) {
    allowed = function->Version(qualifier) || function->aliases.contains(qualifier);
  }
  const std::string source_arn = fmt::format("arn:aws:s3:::{}", bucket);
  if (allowed) {
    allowed =
        lambda::PolicyAllows(*function->latest.config, {.service = kS3Principal,
                                                        .action = "lambda:InvokeFunction",
                                                        .qualifier = qualifier,
                                                        .source_arn = source_arn,
                                                        .source_account = account.account_id});
  }
  if (allowed) return std::nullopt;
  return Refusal{fmt::format("{}, null", arn),
                 fmt::format("Not authorized to invoke function [{}]", arn)};
}

// Whether S3 may publish to the topic `arn` names for `bucket`: it exists and its policy lets
// s3.amazonaws.com call SNS:Publish for the bucket (SNS's default policy does not).
std::optional<Refusal> TopicRefusal(const services::TopicPublisherSlot* topics,
                                    const AccountContext& account, std::string_view arn,
                                    std::string_view bucket) {
  const std::string source_arn = fmt::format("arn:aws:s3:::{}", bucket);
  if (topics != nullptr && topics->publisher != nullptr &&
      topics->publisher->MayPublish(arn, {.service = kS3Principal,
                                          .action = "SNS:Publish",
                                          .resource = arn,
                                          .source_arn = source_arn,
                                          .source_account = account.account_id})) {
    return std::nullopt;
  }
  return Refusal{std::string(arn),
                 "Permissions on the destination topic do not allow S3 to publish notifications "
                 "from this bucket"};
}

}  // namespace

void S3Service::SendTestEvents(const NotificationConfig& config, const std::string& bucket,
                               const std::string& request_id) {
  for (const NotificationTarget& target : config.targets) {
    if (target.kind != DestinationKind::kTopic || topics_ == nullptr || !topics_->publisher) {
      continue;
    }
    topics_->publisher->PublishForService(
        target.arn, std::string(kS3NotificationSubject),
        TestEventJson(bucket, request_id, clock_->NowMillis()), {},
        [arn = target.arn](absl::Status status) {
          if (!status.ok()) {
            fmt::print(stderr, "serval: s3: the s3:TestEvent to {} was not sent: {}\n", arn,
                       status.ToString());
          }
        });
  }
}

void S3Service::PutBucketNotification(const CallPtr& call) {
  auto bucket = ExistingBucket(*call);
  if (!bucket.ok()) return call->Fail(bucket.status());
  auto config = ParseNotificationXml(call->request().body);
  if (!config.ok()) return call->Fail(config.status());
  const bool skip_validation =
      EqualsIgnoreCase(call->request().Header("x-amz-skip-destination-validation"), "true");
  std::vector<Refusal> refusals;
  for (const NotificationTarget& target : config->targets) {
    switch (target.kind) {
      case DestinationKind::kFunction:
        if (skip_validation) break;
        if (auto refusal =
                FunctionRefusal(*functions_, account_, target.arn, call->address.bucket)) {
          refusals.push_back(*std::move(refusal));
        }
        break;
      case DestinationKind::kTopic:
        if (skip_validation) break;
        if (auto refusal = TopicRefusal(topics_, account_, target.arn, call->address.bucket)) {
          refusals.push_back(*std::move(refusal));
        }
        break;
      // Serval has no SQS yet: nothing could deliver to these.
      case DestinationKind::kQueue:
        refusals.emplace_back(target.arn,
                              "The destination queue does not exist (Serval has no SQS; "
                              "QueueConfigurations are not supported)");
        break;
    }
  }
  if (!refusals.empty()) return call->Fail(UnableToValidate(refusals));
  SendTestEvents(*config, call->address.bucket, call->context.request_id);
  const bool empty = config->targets.empty() && !config->event_bridge;
  UpdateBucket(
      call,
      [stored = empty ? std::string() : NotificationXml(*config).Take()](BucketRecord& bucket) {
        bucket.notification = stored;
        return absl::OkStatus();
      },
      200);
}

void S3Service::GetBucketNotification(const CallPtr& call) {
  auto bucket = ExistingBucket(*call);
  if (!bucket.ok()) return call->Fail(bucket.status());
  http::Response response;
  response.body = bucket->notification.empty() ? NotificationXml({}).Take() : bucket->notification;
  response.SetHeader("Content-Type", "application/xml");
  call->Reply(std::move(response));
}

ObjectEvent S3Service::EventOf(const Call& call, std::string_view name) const {
  const protocol::Caller& caller = call.context.caller;
  return ObjectEvent{
      .name = std::string(name),
      .region = account_.region,
      .principal_id = caller.anonymous ? "Anonymous" : "AWS:" + caller.access_key,
      .source_ip = protocol::ReportedClientIp(call.context),
      .request_id = call.context.request_id,
      .bucket = call.address.bucket,
      .key = call.address.key,
  };
}

void S3Service::Notify(std::vector<ObjectEvent> events, std::function<void()> then) {
  // One count for each record handed over, plus one for this loop: `then` runs once all are
  // settled (durable, or refused and recorded by the invoker).
  auto pending = std::make_shared<size_t>(1);
  auto settle = [pending, then = std::move(then)] {
    if (--*pending == 0) then();
  };
  std::string parsed_for;  // the bucket whose configuration `config` holds
  absl::StatusOr<NotificationConfig> config;
  std::string region;
  for (ObjectEvent& event : events) {
    if (event.bucket != parsed_for) {
      parsed_for = event.bucket;
      auto bucket = catalog_.Bucket(event.bucket);
      if (!bucket.ok() || !bucket->has_value()) {
        config = bucket.ok() ? NoSuchBucket(event.bucket) : bucket.status();
      } else {
        config = ParseNotificationXml((*bucket)->notification);
        region = (*bucket)->region;
      }
      if (!config.ok()) {
        invoker_->ReportUndeliverable(fmt::format("s3:{}", event.bucket), "", config.status());
      }
    }
    if (!config.ok()) continue;
    event.time_millis = clock_->NowMillis();
    if (!region.empty()) event.region = region;
    if (config->event_bridge && events_ && events_->publisher) {
      ++*pending;
      events_->publisher->PublishEvent(EventBridgeEvent(event, account_.account_id),
                                       [settle](const absl::Status&) { settle(); });
    }
    for (const NotificationTarget& target : config->targets) {
      if (!Matches(target, event.name, event.key)) continue;
      const std::string source = fmt::format("s3:{}/{}", event.bucket, target.id);
      switch (target.kind) {
        case DestinationKind::kFunction:
          ++*pending;
          invoker_->Deliver(source,
                            {.function = target.arn, .payload = EventRecordJson(event, target.id)},
                            [settle](const absl::Status&) { settle(); });
          break;
        case DestinationKind::kTopic:
          if (topics_ == nullptr || topics_->publisher == nullptr) break;
          ++*pending;
          topics_->publisher->PublishForService(
              target.arn, std::string(kS3NotificationSubject), EventRecordJson(event, target.id),
              {}, [this, source, settle](absl::Status status) {
                if (!status.ok()) invoker_->ReportUndeliverable(source, "", status);
                settle();
              });
          break;
        case DestinationKind::kQueue:
          break;  // refused when configured
      }
    }
  }
  settle();
}

void S3Service::NotifyLifecycleExpiration(const std::string& bucket, const std::string& key,
                                          std::function<void()> then) {
  ObjectEvent event{.name = "LifecycleExpiration:Delete",
                    .region = account_.region,
                    .principal_id = std::string(kS3Principal),
                    .source_ip = std::string(kS3Principal),
                    .bucket = bucket,
                    .key = key,
                    .sequencer = NextSequencer()};
  Notify({std::move(event)}, std::move(then));
}

void S3Service::ReadObject(std::string bucket, std::string key, uint64_t max_bytes,
                           std::function<void(absl::StatusOr<std::string>)> done) {
  auto bucket_record = catalog_.Bucket(bucket);
  if (!bucket_record.ok()) return done(bucket_record.status());
  if (!bucket_record->has_value()) return done(NoSuchBucket(bucket));
  auto stored = catalog_.Object(bucket, key);
  if (!stored.ok()) return done(stored.status());
  if (!stored->has_value()) return done(NoSuchKey(key));
  const ObjectRecord& record = (*stored)->record;
  if (record.size > max_bytes) return done(EntityTooLarge(record.size, max_bytes));
  if (record.inline_body()) return done(catalog_.InlineBody(bucket, key));
  storage::Offload(
      blob_worker_, post_to_io_,
      [this, segments = record.segments, size = record.size]() -> absl::StatusOr<std::string> {
        auto opened = OpenObject::Open(*blobs_, segments);
        if (!opened.ok()) return opened.status();
        return (*opened)->Read(0, size);
      },
      std::move(done));
}

}  // namespace serval::s3
