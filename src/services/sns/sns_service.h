#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/arn.h"
#include "common/clock.h"
#include "common/worker.h"
#include "iam/authorizer.h"
#include "protocol/query.h"
#include "protocol/request_context.h"
#include "services/platform.h"
#include "services/service.h"
#include "services/sns/delivery_policy.h"
#include "services/sns/envelope.h"
#include "services/sns/filter_policy.h"
#include "services/sns/http_delivery.h"
#include "services/sns/message.h"
#include "services/sns/message_signer.h"
#include "services/sns/topic_store.h"
#include "services/topic_publisher.h"

namespace serval::invoker {
class Invoker;
}  // namespace serval::invoker
namespace serval::lambda {
class FunctionRegistry;
}  // namespace serval::lambda

namespace serval::sns {

// The SNS front end: topics, subscriptions and Publish over the query protocol (Action=...,
// XML answers), with fan-out to every subscription of a topic: Lambda functions through the
// invoker's durable async path. A Publish is answered once every delivery it makes is durable.
// docs/sns.md has what it supports. Runs only on the io thread.
class SnsService : public services::Service, public services::TopicPublisher {
 public:
  struct Dependencies {
    AccountContext account;
    const Clock* clock = nullptr;
    invoker::Invoker* invoker = nullptr;
    const lambda::FunctionRegistry* functions = nullptr;
    // Runs a closure on the io thread: how the signing thread hands signatures back.
    std::function<void(std::function<void()>)> post_to_io;
    // Serval's own URL ("http://127.0.0.1:4566"): where the signing certificate, the subscribe
    // and the unsubscribe URLs point.
    std::string endpoint;
    // Holds signed callers to their policies (sns_access.h); null: all allowed.
    iam::Authorizer* authorizer = nullptr;
  };
  // What signs every message: ready at once, or (on a fresh data dir, where making the key
  // takes ~100 ms that startup should not wait for) being made on a thread of its own.
  using SignerFuture = std::shared_future<absl::StatusOr<std::shared_ptr<const MessageSigner>>>;
  // What delivers to HTTP/HTTPS subscriptions and signs every message.
  struct Delivery {
    SignerFuture signer;
    std::unique_ptr<HttpDeliverer> http;
  };

  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);
  SnsService(Dependencies dependencies, std::unique_ptr<TopicStore> topics, Delivery delivery);

  const services::ServiceInfo& info() const override;
  services::Access AccessFor(const http::Request& headers) const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void Start() override;
  void Drain(std::function<void()> done) override;
  void OnClockAdvanced() override;
  void AddStats(boost::json::object& stats) const override;

  // services::TopicPublisher (publish_operations.cc).
  bool MayPublish(std::string_view topic_arn, const iam::ServiceRequest& request) const override;
  void PublishForService(const std::string& topic_arn, std::string subject, std::string message,
                         std::vector<services::ServiceMessageAttribute> attributes,
                         std::function<void(absl::Status)> settled) override;

  // The answer of an operation: the XML inside <ActionResult>, or the error.
  using Reply = std::function<void(absl::StatusOr<std::string>)>;

 private:
  using Operation = void (SnsService::*)(const protocol::QueryRequest&, const protocol::Caller&,
                                         Reply);
  static const absl::flat_hash_map<std::string, Operation>& Operations();
  // OK when the caller may make `request` (or is not held to policies: unsigned, no authorizer,
  // or --iam off); SNS's AuthorizationError otherwise. The one place SNS asks the authorizer.
  absl::Status Authorize(const protocol::QueryRequest& request,
                         const protocol::Caller& caller) const;

  // topic_operations.cc
  void CreateTopic(const protocol::QueryRequest& request, const protocol::Caller& caller,
                   Reply reply);
  void DeleteTopic(const protocol::QueryRequest& request, const protocol::Caller& caller,
                   Reply reply);
  void ListTopics(const protocol::QueryRequest& request, const protocol::Caller& caller,
                  Reply reply);
  void GetTopicAttributes(const protocol::QueryRequest& request, const protocol::Caller& caller,
                          Reply reply);
  void SetTopicAttributes(const protocol::QueryRequest& request, const protocol::Caller& caller,
                          Reply reply);
  void TagResource(const protocol::QueryRequest& request, const protocol::Caller& caller,
                   Reply reply);
  void UntagResource(const protocol::QueryRequest& request, const protocol::Caller& caller,
                     Reply reply);
  void ListTagsForResource(const protocol::QueryRequest& request, const protocol::Caller& caller,
                           Reply reply);

  // subscription_operations.cc
  void Subscribe(const protocol::QueryRequest& request, const protocol::Caller& caller,
                 Reply reply);
  void ConfirmSubscription(const protocol::QueryRequest& request, const protocol::Caller& caller,
                           Reply reply);
  void Unsubscribe(const protocol::QueryRequest& request, const protocol::Caller& caller,
                   Reply reply);
  void ListSubscriptions(const protocol::QueryRequest& request, const protocol::Caller& caller,
                         Reply reply);
  void ListSubscriptionsByTopic(const protocol::QueryRequest& request,
                                const protocol::Caller& caller, Reply reply);
  void GetSubscriptionAttributes(const protocol::QueryRequest& request,
                                 const protocol::Caller& caller, Reply reply);
  void SetSubscriptionAttributes(const protocol::QueryRequest& request,
                                 const protocol::Caller& caller, Reply reply);

  // publish_operations.cc
  void Publish(const protocol::QueryRequest& request, const protocol::Caller& caller, Reply reply);
  void PublishBatch(const protocol::QueryRequest& request, const protocol::Caller& caller,
                    Reply reply);
  // Reads one message (Publish's parameters, or a PublishBatch entry's) for `topic`.
  absl::StatusOr<Message> ReadMessage(const std::map<std::string, std::string>& fields,
                                      const Topic& topic);
  // FIFO topics: the message an earlier Publish with the same deduplication id sent within the
  // last five minutes, or nullopt after giving `message` its sequence number.
  std::optional<Message> Deduplicate(Message& message);
  // Hands `message` to every subscription of its topic whose filter accepts it; `settled` runs
  // once every delivery is durable (or refused and recorded).
  void FanOut(const Message& message, std::function<void()> settled);
  // OK when the function a Lambda subscription names exists and lets SNS invoke it for the
  // topic (its resource policy allows sns.amazonaws.com, as `lambda add-permission` grants).
  absl::Status MayInvoke(const Subscription& subscription) const;
  // Compiles (or forgets) the filter policy of `subscription` after it changed.
  void UpdateFilter(const Subscription& subscription);
  // The Stamp (signature and URLs) of `body` delivered as `message` to `subscription`.
  // The signatures of one message, by protocol (each protocol may get its own body): the
  // SignatureVersion and the signature. RSA signing costs ~0.7 ms, so a message is signed once
  // per body however many subscriptions get it, on the signing thread.
  using Signatures = std::map<std::string, std::pair<std::string, std::string>, std::less<>>;
  // Hands `message` to `recipients` with `signatures` made; `settled` once every delivery is
  // durable (or refused and recorded).
  void Deliver(const Message& message, const std::vector<Subscription>& recipients,
               const Signatures& signatures, const std::function<void()>& settled);
  // The Stamp (signature and URLs) of a message as `protocol` gets it, for `subscription`.
  Stamp MakeStamp(std::string_view protocol, const Subscription& subscription,
                  const Signatures& signatures) const;

  // http_subscriptions.cc
  // Sends a pending HTTP/HTTPS subscription its SubscriptionConfirmation (with the token);
  // `queued` hears OK once it is durable.
  void RequestConfirmation(const Subscription& subscription,
                           std::function<void(absl::Status)> queued);
  // Queues `message` for an HTTP/HTTPS subscription; `settled` once durable.
  void DeliverHttp(const Message& message, const Subscription& subscription,
                   const Signatures& signatures, std::function<void(absl::Status)> settled);
  // The delivery policy of `subscription`'s deliveries: its topic's and its own.
  DeliveryPolicy PolicyOf(const Subscription& subscription) const;
  // GET /SimpleNotificationService-<digest>.pem: the certificate messages are signed with.
  http::Response Certificate(const http::Request& request, const std::string& request_id) const;
  // The signer, once made (waiting for it if it is still being made); null if it could not be
  // (logged when that was found).
  const MessageSigner* Signer() const;
  // SigningCertURL: where Serval serves the signer's certificate.
  std::string CertificateUrl() const;
  // The SignatureVersion of the topic: "1" unless set.
  std::string SignatureVersionOf(std::string_view topic_arn) const;
  // The signature of `fields` in `version`, or empty when there is no signer or signing failed
  // (both logged). Thread-safe (runs on the signing thread).
  static std::string SignMessage(const SignerFuture& signer, const MessageFields& fields,
                                 const std::string& version);
  // What a Notification's signature covers, as `protocol` gets it.
  static MessageFields NotificationFields(const Message& message, std::string_view protocol);
  static bool IsRawDelivery(const Subscription& subscription);

  // The topic a TopicArn parameter names: InvalidParameter for a malformed ARN, NotFound for one
  // that does not exist.
  absl::StatusOr<const Topic*> TopicNamed(const protocol::QueryRequest& request,
                                          std::string_view parameter) const;
  std::string TopicArn(std::string_view name) const;
  // What answers `reply` once a change is on disk: `result_xml`, or the store's error.
  static TopicStore::Done AnswerOnceStored(Reply reply, std::string result_xml = {});

  Dependencies deps_;
  std::unique_ptr<TopicStore> topics_;
  Delivery delivery_;
  // Compiled filter policies by subscription ARN; nullopt: a stored policy that does not compile
  // (it lets nothing through).
  absl::flat_hash_map<std::string, std::optional<SubscriptionFilter>> filters_;
  // FIFO deduplication: (topic ARN "\n" deduplication id) -> the message sent, for five minutes
  // (in memory: a restart forgets the window).
  static constexpr int64_t kDeduplicationWindowMillis = 5 * 60 * 1000;
  absl::flat_hash_map<std::string, Message> deduplication_;
  std::deque<std::pair<int64_t, std::string>> recent_;  // (sent at, key), oldest first
  uint64_t sequence_ = 0;
  uint64_t published_ = 0;
  uint64_t deliveries_ = 0;
  // Signs messages; last, so that it stops (finishing its job) before the state its jobs'
  // completions use goes.
  Worker sign_worker_{"sns-sign"};
};

}  // namespace serval::sns
