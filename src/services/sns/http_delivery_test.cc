#include "services/sns/http_delivery.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "gtest/gtest.h"
#include "http/server.h"
#include "storage/durable_queue.h"

namespace serval::sns {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr int64_t kStart = 1'700'000'000'000;

// An endpoint that records each POST with the (manual) time it arrived and answers with the
// status `answer` gives (0: never answers).
class HttpDeliveryTest : public ::testing::Test {
 protected:
  struct Received {
    int64_t at = 0;
    http::Request request;
  };

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("serval-sns-http-" + RandomHex(8));
    auto server = http::Server::Start(
        io_, http::ServerOptions{}, [this](http::Request&& request, http::Responder respond) {
          received_.push_back(Received{.at = clock_.NowMillis(), .request = request});
          const int status = answer_(received_.size());
          if (status == 0) {
            held_.push_back(std::move(respond));
            return;
          }
          respond(http::Response{.status = status});
        });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    Open();
  }

  void TearDown() override {
    deliverer_.reset();
    server_->Stop();
    fs::remove_all(dir_);
  }

  void Open(milliseconds attempt_timeout = milliseconds(5000)) {
    auto deliverer = HttpDeliverer::Open(
        {.dir = dir_,
         .io = &io_,
         .clock = &clock_,
         .post_to_io = [this](std::function<void()> work) { asio::post(io_, std::move(work)); },
         .attempt_timeout = attempt_timeout});
    ASSERT_TRUE(deliverer.ok()) << deliverer.status();
    deliverer_ = std::move(*deliverer);
    deliverer_->Start();
  }

  HttpDelivery Delivery(RetryPolicy retry = {}, std::string body = R"({"Type":"Notification"})") {
    const std::string topic = "arn:aws:sns:us-east-1:000000000000:t";
    return HttpDelivery{.endpoint = "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook",
                        .headers = SnsHttpHeaders("Notification", "m-1", topic, topic + ":s-1",
                                                  kDefaultContentType),
                        .body = std::move(body),
                        .policy = {.retry = retry},
                        .topic_arn = topic,
                        .subscription_arn = topic + ":s-1",
                        .message_id = "m-1"};
  }

  // Queues `delivery` and waits until it is durable.
  void DeliverDurably(HttpDelivery delivery) {
    std::optional<absl::Status> settled;
    deliverer_->Deliver(std::move(delivery), [&settled](absl::Status status) { settled = status; });
    ASSERT_TRUE(RunUntil([&settled] { return settled.has_value(); }));
    ASSERT_TRUE(settled->ok()) << *settled;
  }

  // Runs the io thread until `done` or 10 s (real time) pass.
  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(milliseconds(10));
    }
    return done();
  }
  // Runs the io thread for a while: long enough for anything due to have happened.
  void Settle() {
    const auto until = std::chrono::steady_clock::now() + milliseconds(150);
    while (std::chrono::steady_clock::now() < until) io_.run_one_for(milliseconds(10));
  }

  void Advance(int64_t millis) {
    clock_.Advance(millis);
    deliverer_->OnClockAdvanced();
  }

  std::vector<int64_t> AttemptTimes() const {
    std::vector<int64_t> times;
    for (const Received& received : received_) times.push_back(received.at - kStart);
    return times;
  }

  asio::io_context io_;
  ManualClock clock_{kStart};
  fs::path dir_;
  std::unique_ptr<http::Server> server_;
  std::function<int(size_t attempt)> answer_ = [](size_t) { return 200; };
  std::vector<Received> received_;
  std::vector<http::Responder> held_;
  std::unique_ptr<HttpDeliverer> deliverer_;
};

TEST_F(HttpDeliveryTest, SettlesOnceDurableThenPosts) {
  std::vector<std::string> events;
  deliverer_->Deliver(Delivery(), [&events, this](absl::Status status) {
    events.push_back(status.ok() ? "settled" : status.ToString());
    events.push_back("requests so far: " + std::to_string(received_.size()));
  });
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().delivered == 1; }));
  EXPECT_EQ(events, (std::vector<std::string>{"settled", "requests so far: 0"}));
  ASSERT_EQ(received_.size(), 1u);
  const http::Request& request = received_[0].request;
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/hook");
  EXPECT_EQ(request.body, R"({"Type":"Notification"})");
  EXPECT_EQ(request.Header("x-amz-sns-message-type"), "Notification");
  EXPECT_EQ(request.Header("x-amz-sns-message-id"), "m-1");
  EXPECT_EQ(request.Header("x-amz-sns-topic-arn"), "arn:aws:sns:us-east-1:000000000000:t");
  EXPECT_EQ(request.Header("x-amz-sns-subscription-arn"),
            "arn:aws:sns:us-east-1:000000000000:t:s-1");
  EXPECT_EQ(request.Header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(request.Header("User-Agent"), "Amazon Simple Notification Service Agent");
  const HttpDeliveryStats stats = deliverer_->stats();
  EXPECT_EQ(stats.pending, 0u);
  EXPECT_EQ(stats.retried, 0u);
  boost::json::object json;
  deliverer_->AddStats(json);
  EXPECT_EQ(json["sns_http_delivered"], 1);
}

TEST_F(HttpDeliveryTest, RetriesFollowThePolicyOnTheClock) {
  answer_ = [](size_t) { return 500; };
  // 1 immediate retry, 1 at minDelayTarget, a backoff phase of 2 (2 s, then 10 s), 1 at
  // maxDelayTarget: 6 attempts in all.
  DeliverDurably(Delivery(RetryPolicy{.min_delay_target = 2,
                                      .max_delay_target = 10,
                                      .num_retries = 5,
                                      .num_no_delay_retries = 1,
                                      .num_min_delay_retries = 1,
                                      .num_max_delay_retries = 1}));
  // Each failure must have been heard (and its retry scheduled) before the clock moves on.
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().retried == 2; }));
  EXPECT_EQ(AttemptTimes(), (std::vector<int64_t>{0, 0}));
  for (const int64_t step : {2000, 2000, 10000, 10000}) {
    const size_t before = received_.size();
    ASSERT_TRUE(RunUntil([this, before] { return deliverer_->stats().retried == before; }));
    Advance(step - 1);
    Settle();
    EXPECT_EQ(received_.size(), before) << "an attempt came early";
    Advance(1);
    ASSERT_TRUE(RunUntil([this, before] { return received_.size() == before + 1; }))
        << "after " << step << ": " << received_.size() << " attempts, "
        << deliverer_->stats().retried << " retried, " << deliverer_->stats().in_flight
        << " in flight";
  }
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().failed == 1; }));
  EXPECT_EQ(AttemptTimes(), (std::vector<int64_t>{0, 0, 2000, 4000, 14000, 24000}));
  Advance(3'600'000);
  Settle();
  EXPECT_EQ(received_.size(), 6u);
  const HttpDeliveryStats stats = deliverer_->stats();
  EXPECT_EQ(stats.retried, 5u);
  EXPECT_EQ(stats.failed, 1u);
  EXPECT_EQ(stats.delivered, 0u);
  EXPECT_EQ(stats.pending, 0u);
}

TEST_F(HttpDeliveryTest, ARetryThatSucceedsIsDelivered) {
  answer_ = [](size_t attempt) { return attempt == 1 ? 503 : 204; };
  DeliverDurably(Delivery());  // the default policy: 3 retries 20 s apart
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().retried == 1; }));
  Advance(20'000);
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().delivered == 1; }));
  EXPECT_EQ(AttemptTimes(), (std::vector<int64_t>{0, 20000}));
  EXPECT_EQ(deliverer_->stats().pending, 0u);
}

TEST_F(HttpDeliveryTest, A4xxIsNotRetried) {
  answer_ = [](size_t) { return 404; };
  DeliverDurably(Delivery());
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().rejected == 1; }));
  Advance(60'000);
  Settle();
  EXPECT_EQ(received_.size(), 1u);
  EXPECT_EQ(deliverer_->stats().pending, 0u);
  EXPECT_EQ(deliverer_->stats().retried, 0u);
}

TEST_F(HttpDeliveryTest, NoAnswerInTimeIsAFailedAttempt) {
  deliverer_.reset();
  Open(milliseconds(200));
  answer_ = [](size_t) { return 0; };
  DeliverDurably(
      Delivery(RetryPolicy{.min_delay_target = 1, .max_delay_target = 1, .num_retries = 0}));
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().failed == 1; }));
  EXPECT_EQ(received_.size(), 1u);
}

TEST_F(HttpDeliveryTest, AnUnreachableEndpointIsRetriedThenGivenUp) {
  HttpDelivery delivery =
      Delivery(RetryPolicy{.min_delay_target = 1, .max_delay_target = 1, .num_retries = 1});
  delivery.endpoint = "http://127.0.0.1:1/";  // nothing listens on port 1
  DeliverDurably(std::move(delivery));
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().retried == 1; }));
  Advance(1000);
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().failed == 1; }));
  EXPECT_EQ(deliverer_->stats().pending, 0u);
}

TEST_F(HttpDeliveryTest, ARetryScheduleSurvivesARestart) {
  answer_ = [](size_t attempt) { return attempt == 1 ? 500 : 200; };
  DeliverDurably(
      Delivery(RetryPolicy{.min_delay_target = 30, .max_delay_target = 30, .num_retries = 2}));
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().retried == 1; }));
  deliverer_.reset();  // closing the queue writes the pending retry state
  Open();
  EXPECT_EQ(deliverer_->stats().pending, 1u);
  Advance(29'999);
  Settle();
  EXPECT_EQ(received_.size(), 1u);
  Advance(1);
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().delivered == 1; }));
  EXPECT_EQ(AttemptTimes(), (std::vector<int64_t>{0, 30000}));
  EXPECT_EQ(received_[1].request.body, received_[0].request.body);
  EXPECT_EQ(received_[1].request.Header("x-amz-sns-message-id"), "m-1");
  EXPECT_EQ(deliverer_->stats().pending, 0u);
}

TEST_F(HttpDeliveryTest, ADeliveryInFlightAtShutdownIsMadeAfterRestart) {
  answer_ = [](size_t attempt) { return attempt == 1 ? 0 : 200; };  // the first never answers
  DeliverDurably(Delivery());
  ASSERT_TRUE(RunUntil([this] { return received_.size() == 1; }));
  deliverer_.reset();
  Open();
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().delivered == 1; }));
  EXPECT_EQ(received_.size(), 2u);  // at least once: the endpoint saw it twice
}

TEST_F(HttpDeliveryTest, ThrottlePolicyCapsAttemptsPerSecond) {
  for (int i = 0; i < 5; ++i) {
    HttpDelivery delivery = Delivery();
    delivery.policy.max_receives_per_second = 2;
    DeliverDurably(std::move(delivery));
  }
  ASSERT_TRUE(RunUntil([this] { return received_.size() == 2; }));
  Settle();
  EXPECT_EQ(received_.size(), 2u);
  Advance(1000);
  ASSERT_TRUE(RunUntil([this] { return received_.size() == 4; }));
  Settle();
  EXPECT_EQ(received_.size(), 4u);
  Advance(1000);
  ASSERT_TRUE(RunUntil([this] { return deliverer_->stats().delivered == 5; }));
  EXPECT_EQ(AttemptTimes(), (std::vector<int64_t>{0, 0, 1000, 1000, 2000}));
}

TEST_F(HttpDeliveryTest, ADeliveryThatCannotBeQueuedIsRefused) {
  std::optional<absl::Status> settled;
  deliverer_->Deliver(Delivery({}, std::string(storage::DurableQueue::kMaxPayloadBytes + 1, 'x')),
                      [&settled](absl::Status status) { settled = status; });
  ASSERT_TRUE(RunUntil([&settled] { return settled.has_value(); }));
  EXPECT_EQ(settled->code(), absl::StatusCode::kInvalidArgument);
  Settle();
  EXPECT_TRUE(received_.empty());
  EXPECT_EQ(deliverer_->stats().pending, 0u);
}

TEST_F(HttpDeliveryTest, AnUnreadableRecordIsCountedAndRemoved) {
  deliverer_.reset();
  {
    storage::DurableQueueOptions options;
    options.post_to_io = [](std::function<void()> work) { work(); };
    auto queue = storage::DurableQueue::Open(dir_, options);
    ASSERT_TRUE(queue.ok()) << queue.status();
    std::optional<absl::StatusOr<uint64_t>> appended;
    (*queue)->Append("not a delivery", "body",
                     [&appended](absl::StatusOr<uint64_t> id) { appended = id; });
    (*queue)->Close();
    ASSERT_TRUE(appended && appended->ok());
  }
  Open();
  EXPECT_EQ(deliverer_->stats().failed, 1u);
  EXPECT_EQ(deliverer_->stats().pending, 0u);
}

}  // namespace
}  // namespace serval::sns
