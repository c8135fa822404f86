#include "invoker/invoker.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <filesystem>

#include "common/aws_error.h"
#include "metrics/lambda_recorder.h"
#include "metrics/metric_store.h"
#include "storage/memory_metadata_store.h"

namespace serval::invoker {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

// Runs invocations without processes: each is held until the test completes it.
class FakeExecutor : public sandbox::Executor {
 public:
  struct Started {
    std::shared_ptr<const sandbox::FunctionSpec> spec;
    sandbox::Invocation invocation;
    sandbox::InvocationCallback done;
  };

  absl::Status Invoke(std::shared_ptr<const sandbox::FunctionSpec> spec,
                      sandbox::Invocation invocation, sandbox::InvocationCallback done) override {
    if (refuse) return absl::ResourceExhaustedError("no environment");
    started.push_back({std::move(spec), std::move(invocation), std::move(done)});
    return absl::OkStatus();
  }
  bool ColdStartsSaturated(const sandbox::FunctionSpec&, int) const override { return false; }
  void Retire(const std::string& function_name, const std::string&) override {
    retired.push_back(function_name);
  }

  // Completes the oldest running invocation.
  void Finish(std::string body, bool function_error = false) {
    Started first = std::move(started.front());
    started.pop_front();
    first.done({.body = std::move(body), .function_error = function_error});
  }

  bool refuse = false;
  std::deque<Started> started;
  std::vector<std::string> retired;
};

class InvokerTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("invoker_test_" + std::to_string(getpid()) + "_" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    registry_ = *lambda::FunctionRegistry::Open(&metadata_, [](const lambda::FunctionConfig& c) {
      auto spec = std::make_shared<sandbox::FunctionSpec>();
      spec->name = c.name;
      spec->version = c.version;
      return spec;
    });
    storage::DurableQueueOptions queue_options;
    queue_options.post_to_io = [this](std::function<void()> work) {
      asio::post(io_, std::move(work));
    };
    queue_ = *storage::DurableQueue::Open(dir_ / "queue", std::move(queue_options));
    logs_ = std::make_unique<storage::LogStore>(dir_ / "logs");
    MakeInvoker({});
  }
  void TearDown() override {
    invoker_.reset();
    fs::remove_all(dir_);
  }

  void MakeInvoker(AsyncQueueLimits limits, metrics::LambdaRecorder* recorder = nullptr) {
    invoker_ = std::make_unique<Invoker>(Invoker::Dependencies{.account = account_,
                                                               .registry = registry_.get(),
                                                               .executor = &executor_,
                                                               .clock = &clock_,
                                                               .io = &io_,
                                                               .queue = queue_.get(),
                                                               .logs = logs_.get(),
                                                               .account_concurrency = 10,
                                                               .async_limits = limits,
                                                               .metrics = recorder});
  }

  void PutFunction(const std::string& name, std::optional<int> reserved = std::nullopt) {
    lambda::FunctionConfig config;
    config.name = name;
    config.runtime = "python3.12";
    config.handler = "app.handler";
    config.reserved_concurrency = reserved;
    registry_->PutLatest(config, [](absl::Status s) { EXPECT_TRUE(s.ok()) << s; });
    invoker_->SetReservation(name, reserved);
  }

  // Runs the io thread's work (the queue's completions arrive from its writer thread) until
  // `done` holds; fails the test after five seconds.
  void RunIoUntil(const std::function<bool()>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "timed out";
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
  }
  // Runs what the io thread has to do for a moment (for asserting that nothing happens).
  void RunIoBriefly() {
    io_.restart();
    io_.run_for(std::chrono::milliseconds(100));
  }

  // The lines recorded in a function's serval/async-dropped stream.
  std::vector<std::string> DroppedLines(const std::string& function) {
    std::vector<std::string> lines;
    (void)logs_->ReadStream(
        "/aws/lambda/" + function, "serval/async-dropped", 0,
        [&](const storage::LogEvent& event) { lines.push_back(event.message); });
    return lines;
  }

  fs::path dir_;
  AccountContext account_{.region = "us-east-1", .account_id = "000000000000"};
  ManualClock clock_{1'700'000'000'000};
  asio::io_context io_;
  // Its completions run at once: the registry's changes are made before the tests run.
  storage::MemoryMetadataStore metadata_{[](std::function<void()> work) { work(); }};
  std::unique_ptr<lambda::FunctionRegistry> registry_;
  std::unique_ptr<storage::DurableQueue> queue_;
  std::unique_ptr<storage::LogStore> logs_;
  FakeExecutor executor_;
  std::unique_ptr<Invoker> invoker_;
};

TEST_F(InvokerTest, SyncRunsTheResolvedVersionAndReturnsItsOutcome) {
  PutFunction("fn");
  registry_->Publish("fn", "", [](absl::StatusOr<int> n) { EXPECT_TRUE(n.ok()) << n.status(); });
  registry_->PutAlias("fn", {.name = "live", .function_version = "1"},
                      [](absl::Status s) { EXPECT_TRUE(s.ok()) << s; });
  std::optional<absl::StatusOr<InvokeResult>> result;
  invoker_->InvokeSync({.function = "arn:aws:lambda:us-east-1:000000000000:function:fn:live",
                        .payload = R"({"a":1})",
                        .request_id = "req-1"},
                       [&](absl::StatusOr<InvokeResult> r) { result = std::move(r); });
  ASSERT_EQ(executor_.started.size(), 1u);
  const FakeExecutor::Started& started = executor_.started.front();
  EXPECT_EQ(started.spec->version, "1");
  EXPECT_EQ(started.invocation.payload, R"({"a":1})");
  EXPECT_EQ(started.invocation.request_id, "req-1");
  EXPECT_EQ(started.invocation.invoked_function_arn,
            "arn:aws:lambda:us-east-1:000000000000:function:fn:live");
  EXPECT_FALSE(result.has_value());
  executor_.Finish(R"({"ok":true})");
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->status();
  EXPECT_EQ((*result)->executed_version, "1");
  EXPECT_EQ((*result)->outcome.body, R"({"ok":true})");
}

TEST_F(InvokerTest, SyncRefusesUnknownFunctionsAndQualifiers) {
  PutFunction("fn");
  for (const std::string function : {"nope", "fn:7", "fn:no-such-alias"}) {
    absl::Status status;
    invoker_->InvokeSync({.function = function, .payload = "{}"},
                         [&](absl::StatusOr<InvokeResult> r) { status = r.status(); });
    EXPECT_EQ(AwsErrorCode(status), "ResourceNotFoundException") << function;
  }
  absl::Status mismatch;
  invoker_->InvokeSync({.function = "fn:1", .qualifier = "2", .payload = "{}"},
                       [&](absl::StatusOr<InvokeResult> r) { mismatch = r.status(); });
  EXPECT_EQ(AwsErrorCode(mismatch), "InvalidParameterValueException");
  EXPECT_TRUE(executor_.started.empty());
}

TEST_F(InvokerTest, ReservedConcurrencyThrottlesWithItsReasonAndFreesTheSlot) {
  PutFunction("fn", 1);
  invoker_->InvokeSync({.function = "fn", .payload = "{}"}, [](auto) {});
  absl::Status throttled;
  invoker_->InvokeSync({.function = "fn", .payload = "{}"},
                       [&](absl::StatusOr<InvokeResult> r) { throttled = r.status(); });
  EXPECT_EQ(AwsErrorCode(throttled), "TooManyRequestsException");
  EXPECT_EQ(
      ErrorFields(throttled),
      (std::vector<std::pair<std::string, std::string>>{
          {"Reason", "ReservedFunctionConcurrentInvocationLimitExceeded"}, {"Type", "User"}}));
  executor_.Finish("{}");
  invoker_->InvokeSync({.function = "fn", .payload = "{}"}, [](auto) {});
  EXPECT_EQ(executor_.started.size(), 1u);  // the slot came back
}

TEST_F(InvokerTest, RecordsInvocationsFiguresAndThrottlesAsMetrics) {
  auto store = *metrics::MetricStore::Open({.dir = dir_ / "metrics", .clock = &clock_});
  metrics::LambdaRecorder recorder(store.get(), &clock_);
  MakeInvoker({}, &recorder);
  PutFunction("fn", 1);
  invoker_->InvokeSync({.function = "fn", .payload = "{}"}, [](auto) {});
  EXPECT_EQ(recorder.in_flight(), 1);
  invoker_->InvokeSync({.function = "fn", .payload = "{}"}, [](auto) {});  // throttled
  FakeExecutor::Started first = std::move(executor_.started.front());
  executor_.started.pop_front();
  first.done({.body = "{}",
              .function_error = true,
              .figures = InvocationFigures{.duration_ms = 7, .billed_ms = 7, .memory_mb = 256}});
  executor_.refuse = true;  // no environment: a throttle, and nothing stays in flight
  invoker_->InvokeSync({.function = "fn", .payload = "{}"}, [](auto) {});
  EXPECT_EQ(recorder.in_flight(), 0);
  const auto& cells = recorder.functions().at("fn").cells;
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0]->executed_version, "$LATEST");
  EXPECT_EQ(cells[0]->totals.invocations, 1u);
  EXPECT_EQ(cells[0]->totals.errors, 1u);
  EXPECT_EQ(cells[0]->totals.duration_ms, 7);
  EXPECT_EQ(cells[1]->executed_version, "");
  EXPECT_EQ(cells[1]->totals.throttles, 2u);
}

TEST_F(InvokerTest, AnExecutorWithNoRoomIsAThrottleAndCostsNoSlot) {
  PutFunction("fn", 1);
  executor_.refuse = true;
  absl::Status status;
  invoker_->InvokeSync({.function = "fn", .payload = "{}"},
                       [&](absl::StatusOr<InvokeResult> r) { status = r.status(); });
  EXPECT_EQ(AwsErrorCode(status), "TooManyRequestsException");
  executor_.refuse = false;
  invoker_->InvokeSync({.function = "fn", .payload = "{}"}, [](auto) {});
  EXPECT_EQ(executor_.started.size(), 1u);
}

TEST_F(InvokerTest, AsyncIsAcceptedOnceDurableThenRunsAndIsRetriedAfterAFailure) {
  PutFunction("fn");
  invoker_->Start();
  std::optional<absl::Status> accepted;
  ASSERT_TRUE(invoker_
                  ->InvokeAsync({.function = "fn", .payload = R"({"n":1})"},
                                [&](absl::Status status) { accepted = status; })
                  .ok());
  EXPECT_FALSE(accepted.has_value());  // not before the write
  RunIoUntil([&] { return accepted.has_value(); });
  EXPECT_TRUE(accepted->ok());
  EXPECT_EQ(invoker_->stats().async_queued, 1u);
  RunIoUntil([&] { return !executor_.started.empty(); });
  EXPECT_EQ(executor_.started.front().invocation.payload, R"({"n":1})");
  executor_.Finish(R"({"errorType":"Boom"})", /*function_error=*/true);
  RunIoBriefly();
  EXPECT_TRUE(executor_.started.empty());  // the retry waits a minute
  clock_.Advance(60'000);
  invoker_->OnClockAdvanced();
  RunIoUntil([&] { return !executor_.started.empty(); });
  executor_.Finish("{}");
  RunIoUntil([&] { return invoker_->stats().async_queued == 0; });
}

TEST_F(InvokerTest, AsyncRefusesUnknownFunctionsAtOnce) {
  absl::Status status = invoker_->InvokeAsync({.function = "nope", .payload = "{}"},
                                              [](auto) { ADD_FAILURE() << "nothing was queued"; });
  EXPECT_EQ(AwsErrorCode(status), "ResourceNotFoundException");
}

TEST_F(InvokerTest, DeliveriesThatCannotBeMadeAreCountedAndRecorded) {
  MakeInvoker({.per_function = 1, .total = 10});
  PutFunction("fn");
  // No such function: nowhere to record it, but counted (and logged).
  invoker_->Deliver("events:rule/r", {.function = "missing", .payload = "{}"});
  EXPECT_EQ(invoker_->stats().undeliverable, 1u);
  // Over the function's queue limit: counted and recorded in its dropped stream.
  invoker_->Deliver("events:rule/r", {.function = "fn", .payload = "{}"});
  invoker_->Deliver("events:rule/r", {.function = "fn", .payload = "{}"});
  RunIoBriefly();
  EXPECT_EQ(invoker_->stats().undeliverable, 2u);
  const std::vector<std::string> lines = DroppedLines("fn");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("NotQueued"), std::string::npos);
  invoker_->ReportUndeliverable("events:rule/r", "fn", absl::InvalidArgumentError("bad path"));
  EXPECT_EQ(invoker_->stats().undeliverable, 3u);
}

TEST_F(InvokerTest, DeletingAFunctionDropsItsQueuedEventsAndEnvironments) {
  PutFunction("fn", 0);  // reserved 0: events wait in the queue
  invoker_->Start();
  bool accepted = false;
  ASSERT_TRUE(invoker_
                  ->InvokeAsync({.function = "fn", .payload = "{}"},
                                [&](absl::Status status) { accepted = status.ok(); })
                  .ok());
  RunIoUntil([&] { return accepted; });
  EXPECT_EQ(invoker_->stats().async_queued, 1u);
  invoker_->FunctionDeleted("fn");
  EXPECT_EQ(invoker_->stats().async_queued, 0u);
  EXPECT_EQ(executor_.retired, std::vector<std::string>{"fn"});
  const std::vector<std::string> lines = DroppedLines("fn");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("FunctionDeleted"), std::string::npos);
}

}  // namespace
}  // namespace serval::invoker
