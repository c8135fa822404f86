#include "services/sns/sns_service.h"

#include <boost/json/object.hpp>
#include <filesystem>
#include <future>
#include <utility>

#include "common/text.h"
#include "fmt/format.h"
#include "protocol/protocol.h"
#include "services/sns/sns_access.h"
#include "services/sns/sns_errors.h"
#include "services/access_check.h"

namespace serval::sns {
namespace {

constexpr protocol::Protocol kProtocol = protocol::Protocol::kQuery;
constexpr std::string_view kNamespace = "http://sns.amazonaws.com/doc/2010-03-31/";
// Where Serval serves what SNS serves without a signature: the signing certificate
// ("/SimpleNotificationService-<digest>.pem") and the links in delivered messages
// ("/SimpleNotificationService/?Action=ConfirmSubscription&..."). No bucket has an upper-case
// name, so S3's path-style addressing never wants these paths.
constexpr std::string_view kAnonymousPathPrefix = "/SimpleNotificationService";

// What an anonymous caller may do: what the links in a delivered message do.
bool AnonymousMayCall(std::string_view action) {
  return action == "ConfirmSubscription" || action == "Unsubscribe";
}

// Loads the signer when its files exist (a failure to is a startup error); makes a new one on a
// thread of its own when they do not.
absl::StatusOr<SnsService::SignerFuture> OpenSigner(const std::filesystem::path& dir) {
  using Opened = absl::StatusOr<std::shared_ptr<const MessageSigner>>;
  auto open = [dir]() -> Opened {
    absl::StatusOr<std::unique_ptr<MessageSigner>> signer = MessageSigner::Open(dir);
    if (!signer.ok()) {
      fmt::print(stderr, "serval: sns: messages go unsigned: {}\n", signer.status().ToString());
      return signer.status();
    }
    return std::shared_ptr<const MessageSigner>(*std::move(signer));
  };
  if (!MessageSigner::Exists(dir)) return std::async(std::launch::async, open).share();
  Opened opened = open();
  if (!opened.ok()) return opened.status();
  std::promise<Opened> ready;
  ready.set_value(std::move(opened));
  return ready.get_future().share();
}

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> SnsService::Create(
    const services::Platform& platform) {
  absl::StatusOr<std::unique_ptr<TopicStore>> topics = TopicStore::Open(platform.metadata);
  if (!topics.ok()) return topics.status();
  const std::filesystem::path dir = std::filesystem::path(platform.data_dir) / "sns";
  absl::StatusOr<SignerFuture> signer = OpenSigner(dir / "signing");
  if (!signer.ok()) return signer.status();
  absl::StatusOr<std::unique_ptr<HttpDeliverer>> http =
      HttpDeliverer::Open({.dir = dir / "http-deliveries",
                           .io = platform.io,
                           .clock = platform.clock,
                           .post_to_io = platform.post_to_io});
  if (!http.ok()) return http.status();
  auto service = std::make_unique<SnsService>(
      Dependencies{.account = platform.account,
                   .clock = platform.clock,
                   .invoker = platform.invoker,
                   .functions = platform.functions,
                   .post_to_io = platform.post_to_io,
                   .endpoint = platform.endpoint,
                   .authorizer = platform.authorizer},
      *std::move(topics), Delivery{.signer = *std::move(signer), .http = *std::move(http)});
  if (platform.topics) platform.topics->publisher = service.get();
  return service;
}

const MessageSigner* SnsService::Signer() const {
  const absl::StatusOr<std::shared_ptr<const MessageSigner>>& signer = delivery_.signer.get();
  return signer.ok() ? signer->get() : nullptr;
}

SnsService::SnsService(Dependencies dependencies, std::unique_ptr<TopicStore> topics,
                       Delivery delivery)
    : deps_(std::move(dependencies)), topics_(std::move(topics)), delivery_(std::move(delivery)) {
  for (const auto& [arn, subscription] : topics_->subscriptions()) UpdateFilter(subscription);
}

void SnsService::Start() { delivery_.http->Start(); }

void SnsService::Drain(std::function<void()> done) {
  delivery_.http->Shutdown();
  done();
}

void SnsService::OnClockAdvanced() { delivery_.http->OnClockAdvanced(); }

const services::ServiceInfo& SnsService::info() const {
  static const services::ServiceInfo kInfo{
      .name = "sns",
      .signing_name = "sns",
      .protocol = kProtocol,
      .path_prefixes = {kAnonymousPathPrefix},
      .claims_signed_requests = true,
  };
  return kInfo;
}

services::Access SnsService::AccessFor(const http::Request& headers) const {
  return headers.RawPath().starts_with(kAnonymousPathPrefix) ? services::Access::kAnonymousAllowed
                                                             : services::Access::kSigned;
}

const absl::flat_hash_map<std::string, SnsService::Operation>& SnsService::Operations() {
  static const auto* kOperations = new absl::flat_hash_map<std::string, Operation>{
      {"CreateTopic", &SnsService::CreateTopic},
      {"DeleteTopic", &SnsService::DeleteTopic},
      {"ListTopics", &SnsService::ListTopics},
      {"GetTopicAttributes", &SnsService::GetTopicAttributes},
      {"SetTopicAttributes", &SnsService::SetTopicAttributes},
      {"TagResource", &SnsService::TagResource},
      {"UntagResource", &SnsService::UntagResource},
      {"ListTagsForResource", &SnsService::ListTagsForResource},
      {"Subscribe", &SnsService::Subscribe},
      {"ConfirmSubscription", &SnsService::ConfirmSubscription},
      {"Unsubscribe", &SnsService::Unsubscribe},
      {"ListSubscriptions", &SnsService::ListSubscriptions},
      {"ListSubscriptionsByTopic", &SnsService::ListSubscriptionsByTopic},
      {"GetSubscriptionAttributes", &SnsService::GetSubscriptionAttributes},
      {"SetSubscriptionAttributes", &SnsService::SetSubscriptionAttributes},
      {"Publish", &SnsService::Publish},
      {"PublishBatch", &SnsService::PublishBatch},
  };
  return *kOperations;
}

void SnsService::Handle(protocol::RequestContext context, http::Responder respond) {
  const std::string request_id = context.request_id;
  auto fail = [&](const absl::Status& status) {
    respond(protocol::ErrorResponse(kProtocol, status, request_id));
  };
  if (context.request.RawPath().ends_with(".pem")) {
    return respond(Certificate(context.request, request_id));
  }
  absl::StatusOr<protocol::QueryRequest> request = protocol::DecodeQuery(context.request);
  if (!request.ok()) return fail(request.status());
  auto operation = Operations().find(request->action);
  if (operation == Operations().end()) {
    return fail(protocol::UnknownOperation(kProtocol, request->action));
  }
  if (context.caller.anonymous && !AnonymousMayCall(request->action)) {
    return fail(AuthorizationError(
        "The request must be signed: only ConfirmSubscription and Unsubscribe may be anonymous."));
  }
  if (absl::Status allowed = Authorize(*request, context.caller); !allowed.ok()) {
    return fail(allowed);
  }
  Reply reply = [respond = std::move(respond), action = request->action,
                 request_id](absl::StatusOr<std::string> result) {
    if (!result.ok())
      return respond(protocol::ErrorResponse(kProtocol, result.status(), request_id));
    respond(protocol::QueryResponse(action, kNamespace, *result, request_id));
  };
  (this->*(operation->second))(*request, context.caller, std::move(reply));
}

absl::Status SnsService::Authorize(const protocol::QueryRequest& request,
                                   const protocol::Caller& caller) const {
  if (!services::AccessChecked(deps_.authorizer, caller)) {
    return absl::OkStatus();
  }
  absl::StatusOr<iam::AccessRequest> access =
      AccessRequestFor(request, deps_.account, [this](std::string_view arn) {
        const Topic* topic = topics_->FindTopic(arn);
        return topic != nullptr && topic->policy ? &*topic->policy : nullptr;
      });
  if (!access.ok()) return access.status();
  return deps_.authorizer->Check(caller, *access, "AuthorizationError");
}

void SnsService::AddStats(boost::json::object& stats) const {
  stats["sns_topics"] = topics_->topics().size();
  stats["sns_subscriptions"] = topics_->subscriptions().size();
  stats["sns_messages_published"] = published_;
  stats["sns_deliveries"] = deliveries_;
  delivery_.http->AddStats(stats);
}

std::string SnsService::TopicArn(std::string_view name) const {
  return "arn:aws:sns:" + deps_.account.region + ":" + deps_.account.account_id + ":" +
         std::string(name);
}

absl::StatusOr<const Topic*> SnsService::TopicNamed(const protocol::QueryRequest& request,
                                                    std::string_view parameter) const {
  const std::string arn = request.Get(parameter).value_or("");
  if (arn.empty()) {
    return InvalidParameter(std::string(parameter) + " Reason: no value for required parameter");
  }
  const size_t elements = SplitOn(arn, ':').size();
  if (elements < 6) {
    return InvalidParameter(fmt::format("{} Reason: An ARN must have at least 6 elements, not {}",
                                        parameter, elements));
  }
  const Topic* topic = topics_->FindTopic(arn);
  if (topic == nullptr) return TopicNotFound();
  return topic;
}

TopicStore::Done SnsService::AnswerOnceStored(Reply reply, std::string result_xml) {
  return [reply = std::move(reply), result_xml = std::move(result_xml)](absl::Status stored) {
    if (!stored.ok()) return reply(std::move(stored));
    reply(result_xml);
  };
}

}  // namespace serval::sns
