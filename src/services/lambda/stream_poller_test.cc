#include "services/lambda/stream_poller.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "invoker/invoker.h"
#include "storage/memory_metadata_store.h"

namespace serval::lambda {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace json = boost::json;

constexpr char kStream[] = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01";
constexpr char kFunctionArn[] = "arn:aws:lambda:us-east-1:000000000000:function:fn";

// A stream in memory: shards of records with increasing sequence numbers. Answers at once, as
// the DynamoDB front end may; wakes its watchers through the io thread.
class FakeStreamSource : public services::StreamSource {
 public:
  FakeStreamSource(asio::io_context& io, const Clock& clock) : io_(io), clock_(clock) {}

  void Append(const std::string& shard_id, const std::string& key) {
    const std::string sequence = std::to_string(++last_sequence_);
    shards_[shard_id].push_back({.sequence_number = sequence,
                                 .json = json::serialize(json::object{
                                     {"eventName", "INSERT"}, {"key", key}, {"seq", sequence}}),
                                 .created_millis = clock_.NowMillis(),
                                 .size_bytes = key.size()});
    for (const auto& [id, wake] : watchers_) asio::post(io_, wake);
  }
  void Close(const std::string& shard_id) { closed_.insert(shard_id); }
  void SetParent(const std::string& shard_id, const std::string& parent) {
    parents_[shard_id] = parent;
    shards_[shard_id];
  }

  bool HasStream(const std::string& arn) const override { return arn == kStream; }
  void ListShards(
      const std::string& arn,
      std::function<void(absl::StatusOr<std::vector<services::StreamShard>>)> done) override {
    if (arn != kStream) return done(absl::NotFoundError("no stream"));
    std::vector<services::StreamShard> shards;
    for (const auto& [id, records] : shards_) {
      shards.push_back(
          {.shard_id = id, .parent_shard_id = parents_[id], .open = !closed_.contains(id)});
    }
    done(shards);
  }
  void ReadRecords(
      const std::string&, const std::string& shard_id, const std::string& after_sequence,
      size_t limit,
      std::function<void(absl::StatusOr<std::vector<services::StreamRecord>>)> done) override {
    ++reads;
    std::vector<services::StreamRecord> out;
    const uint64_t after = after_sequence.empty() ? 0 : std::stoull(after_sequence);
    for (const services::StreamRecord& record : shards_[shard_id]) {
      if (std::stoull(record.sequence_number) > after && out.size() < limit) out.push_back(record);
    }
    done(out);
  }
  void LatestSequence(const std::string&, const std::string& shard_id,
                      std::function<void(absl::StatusOr<std::string>)> done) override {
    const auto& records = shards_[shard_id];
    done(records.empty() ? "0" : records.back().sequence_number);
  }
  uint64_t Watch(const std::string&, std::function<void()> wake) override {
    watchers_[++last_watch_] = std::move(wake);
    return last_watch_;
  }
  void Unwatch(uint64_t watch_id) override { watchers_.erase(watch_id); }

  size_t watchers() const { return watchers_.size(); }
  int reads = 0;

 private:
  asio::io_context& io_;
  const Clock& clock_;
  uint64_t last_sequence_ = 0;
  uint64_t last_watch_ = 0;
  std::map<std::string, std::vector<services::StreamRecord>> shards_;
  std::map<std::string, std::string> parents_;
  std::set<std::string> closed_;
  std::map<uint64_t, std::function<void()>> watchers_;
};

// Runs each invocation through `answer` (the payload -> whether it fails) and completes it on
// the io thread, remembering the keys of every batch.
class FakeExecutor : public sandbox::Executor {
 public:
  explicit FakeExecutor(asio::io_context& io) : io_(io) {}

  absl::Status Invoke(std::shared_ptr<const sandbox::FunctionSpec>, sandbox::Invocation invocation,
                      sandbox::InvocationCallback done) override {
    std::vector<std::string> keys;
    const json::value event = json::parse(invocation.payload);
    for (const json::value& record : event.at("Records").as_array()) {
      keys.emplace_back(record.at("key").as_string());
    }
    batches.push_back(keys);
    const bool fails = fail && fail(keys);
    asio::post(io_, [done = std::move(done), fails] {
      done({.body = fails ? R"({"errorMessage":"boom"})" : "null", .function_error = fails});
    });
    return absl::OkStatus();
  }
  bool ColdStartsSaturated(const sandbox::FunctionSpec&, int) const override { return false; }
  void Retire(const std::string&, const std::string&) override {}

  std::function<bool(const std::vector<std::string>&)> fail;
  std::vector<std::vector<std::string>> batches;

 private:
  asio::io_context& io_;
};

class FakePublisher : public services::TopicPublisher {
 public:
  bool MayPublish(std::string_view, const iam::ServiceRequest&) const override { return true; }
  void PublishForService(const std::string& topic_arn, std::string, std::string message,
                         std::vector<services::ServiceMessageAttribute>,
                         std::function<void(absl::Status)> settled) override {
    published.emplace_back(topic_arn, std::move(message));
    settled(absl::OkStatus());
  }
  std::vector<std::pair<std::string, std::string>> published;
};

class StreamPollerTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("stream_poller_test_" + std::to_string(getpid()) + "_" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    registry_ = *FunctionRegistry::Open(&metadata_, [](const FunctionConfig& config) {
      auto spec = std::make_shared<sandbox::FunctionSpec>();
      spec->name = config.name;
      spec->version = config.version;
      return spec;
    });
    FunctionConfig function;
    function.name = "fn";
    function.runtime = "python3.12";
    function.handler = "app.handler";
    registry_->PutLatest(function, [](absl::Status s) { EXPECT_TRUE(s.ok()) << s; });
    storage::DurableQueueOptions queue_options;
    queue_options.post_to_io = [this](std::function<void()> work) {
      asio::post(io_, std::move(work));
    };
    queue_ = *storage::DurableQueue::Open(dir_ / "queue", std::move(queue_options));
    logs_ = std::make_unique<storage::LogStore>(dir_ / "logs");
    invoker_ = std::make_unique<invoker::Invoker>(
        invoker::Invoker::Dependencies{.registry = registry_.get(),
                                       .executor = &executor_,
                                       .clock = &clock_,
                                       .io = &io_,
                                       .queue = queue_.get(),
                                       .logs = logs_.get()});
    topics_.publisher = &publisher_;
    streams_.dynamodb = &source_;
    source_.Append("shard-1", "seed");  // the shard exists; tests start after it or at it
    Reopen();
  }
  void TearDown() override {
    StopPoller();
    invoker_.reset();
    fs::remove_all(dir_);
  }

  // A new store and poller over the same metadata: what a restart does.
  void Reopen() {
    StopPoller();
    mappings_ = *MappingStore::Open(&metadata_);
    poller_ = std::make_unique<StreamPoller>(StreamPoller::Dependencies{.clock = &clock_,
                                                                        .io = &io_,
                                                                        .invoker = invoker_.get(),
                                                                        .mappings = mappings_.get(),
                                                                        .streams = &streams_,
                                                                        .topics = &topics_,
                                                                        .logs = logs_.get()});
    poller_->Start();
  }

  // Stops the poller and lets the callbacks it still has out (invocations, writes) come back
  // before it goes: a stopped poller ignores them, a destroyed one could not.
  void StopPoller() {
    if (!poller_) return;
    poller_->Stop();
    RunIoBriefly();
    poller_.reset();
  }

  EventSourceMapping Mapping() {
    return EventSourceMapping{.uuid = "m-1",
                              .event_source_arn = kStream,
                              .function_arn = kFunctionArn,
                              .starting_position = "TRIM_HORIZON"};
  }
  void Create(const EventSourceMapping& mapping,
              const std::map<std::string, std::string>& checkpoints = {}) {
    mappings_->Put(mapping, checkpoints, [](absl::Status s) { EXPECT_TRUE(s.ok()) << s; });
    poller_->Refresh(mapping.uuid);
  }

  void RunIoUntil(const std::function<bool()>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "timed out";
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
  }
  void RunIoBriefly() {
    io_.restart();
    io_.run_for(std::chrono::milliseconds(50));
  }
  void Advance(int64_t millis) {
    clock_.Advance(millis);
    poller_->OnClockAdvanced();
  }
  std::vector<std::string> DroppedLines() {
    std::vector<std::string> lines;
    (void)logs_->ReadStream(
        "/aws/lambda/fn", "serval/stream-dropped", 0,
        [&](const storage::LogEvent& event) { lines.push_back(event.message); });
    return lines;
  }
  using Batches = std::vector<std::vector<std::string>>;

  fs::path dir_;
  ManualClock clock_{1'700'000'000'000};
  asio::io_context io_;
  storage::MemoryMetadataStore metadata_{
      [this](std::function<void()> work) { asio::post(io_, std::move(work)); }};
  std::unique_ptr<FunctionRegistry> registry_;
  std::unique_ptr<storage::DurableQueue> queue_;
  std::unique_ptr<storage::LogStore> logs_;
  FakeExecutor executor_{io_};
  std::unique_ptr<invoker::Invoker> invoker_;
  FakeStreamSource source_{io_, clock_};
  FakePublisher publisher_;
  services::StreamSourceSlot streams_;
  services::TopicPublisherSlot topics_;
  std::unique_ptr<MappingStore> mappings_;
  std::unique_ptr<StreamPoller> poller_;
};

TEST_F(StreamPollerTest, DeliversInOrderInBatchesAndCheckpointsDurably) {
  EventSourceMapping mapping = Mapping();
  mapping.batch_size = 2;
  for (const char* key : {"a", "b", "c", "d"}) source_.Append("shard-1", key);
  Create(mapping);
  RunIoUntil([&] { return mappings_->Checkpoint("m-1", "shard-1") == "5"; });
  EXPECT_EQ(executor_.batches, (Batches{{"seed", "a"}, {"b", "c"}, {"d"}}));
  EXPECT_EQ(mappings_->Find("m-1")->last_processing_result, kProcessingOk);
  // Records appended later arrive through the stream's Watch, not by polling.
  const int reads = source_.reads;
  RunIoBriefly();
  EXPECT_EQ(source_.reads, reads);
  source_.Append("shard-1", "e");
  RunIoUntil([&] { return executor_.batches.size() == 4; });
  EXPECT_EQ(executor_.batches.back(), std::vector<std::string>{"e"});
}

TEST_F(StreamPollerTest, LatestStartsAfterTheStoredCheckpointAndARestartResumes) {
  source_.Append("shard-1", "old");
  Create(Mapping(), {{"shard-1", "2"}});  // what CreateEventSourceMapping stores for LATEST
  RunIoBriefly();
  EXPECT_TRUE(executor_.batches.empty());
  source_.Append("shard-1", "new-1");
  RunIoUntil([&] { return mappings_->Checkpoint("m-1", "shard-1") == "3"; });
  Reopen();
  source_.Append("shard-1", "new-2");
  RunIoUntil([&] { return mappings_->Checkpoint("m-1", "shard-1") == "4"; });
  EXPECT_EQ(executor_.batches, (Batches{{"new-1"}, {"new-2"}}));
}

TEST_F(StreamPollerTest, TheBatchingWindowWaitsOnTheClock) {
  EventSourceMapping mapping = Mapping();
  mapping.batch_size = 10;
  mapping.maximum_batching_window_seconds = 30;
  source_.Append("shard-1", "a");
  Create(mapping);
  RunIoBriefly();
  EXPECT_TRUE(executor_.batches.empty());
  source_.Append("shard-1", "b");
  Advance(29'000);
  RunIoBriefly();
  EXPECT_TRUE(executor_.batches.empty());
  Advance(1'000);
  RunIoUntil([&] { return executor_.batches.size() == 1; });
  EXPECT_EQ(executor_.batches[0], (std::vector<std::string>{"seed", "a", "b"}));
}

TEST_F(StreamPollerTest, AFullBatchDoesNotWaitForTheWindow) {
  EventSourceMapping mapping = Mapping();
  mapping.batch_size = 2;
  mapping.maximum_batching_window_seconds = 300;
  source_.Append("shard-1", "a");
  Create(mapping);
  RunIoUntil([&] { return executor_.batches.size() == 1; });
  EXPECT_EQ(executor_.batches[0], (std::vector<std::string>{"seed", "a"}));
}

TEST_F(StreamPollerTest, RetriesTheSameBatchThenSendsItsFailureRecordAndMovesOn) {
  EventSourceMapping mapping = Mapping();
  mapping.maximum_retry_attempts = 2;
  mapping.on_failure_destination = "arn:aws:sns:us-east-1:000000000000:dlq";
  executor_.fail = [](const std::vector<std::string>& keys) { return keys[0] == "seed"; };
  Create(mapping);
  RunIoUntil([&] { return executor_.batches.size() == 1; });
  EXPECT_EQ(mappings_->Find("m-1")->last_processing_result, kFunctionCallFailed);
  source_.Append("shard-1", "next");  // waits behind the failing batch
  RunIoBriefly();                     // the failure comes back: a retry in 0.5 s
  Advance(500);
  RunIoUntil([&] { return executor_.batches.size() == 2; });
  RunIoBriefly();  // then in 1 s
  Advance(1'000);
  RunIoUntil([&] { return executor_.batches.size() == 4; });
  EXPECT_EQ(executor_.batches,
            (Batches{{"seed"}, {"seed"}, {"seed"}, {"next"}}));  // the retries stay the same
  ASSERT_EQ(publisher_.published.size(), 1u);
  EXPECT_EQ(publisher_.published[0].first, "arn:aws:sns:us-east-1:000000000000:dlq");
  const json::object record = json::parse(publisher_.published[0].second).as_object();
  EXPECT_EQ(record.at("requestContext").at("condition"), "RetryAttemptsExhausted");
  EXPECT_EQ(record.at("requestContext").at("approximateInvokeCount"), 3);
  EXPECT_EQ(record.at("requestContext").at("functionArn"), kFunctionArn);
  EXPECT_EQ(record.at("responseContext").at("functionError"), "Unhandled");
  EXPECT_EQ(record.at("responseContext").at("executedVersion"), "$LATEST");
  EXPECT_EQ(record.at("version"), "1.0");
  const json::value& info = record.at("DDBStreamBatchInfo");
  EXPECT_EQ(info.at("shardId"), "shard-1");
  EXPECT_EQ(info.at("startSequenceNumber"), "1");
  EXPECT_EQ(info.at("endSequenceNumber"), "1");
  EXPECT_EQ(info.at("batchSize"), 1);
  EXPECT_EQ(info.at("streamArn"), kStream);
  EXPECT_EQ(info.at("approximateArrivalOfFirstRecord"), "2023-11-14T22:13:20Z");
  RunIoUntil([&] { return mappings_->Checkpoint("m-1", "shard-1") == "2"; });
  EXPECT_EQ(DroppedLines(), std::vector<std::string>{publisher_.published[0].second});
}

TEST_F(StreamPollerTest, BisectionIsolatesTheFailingRecord) {
  EventSourceMapping mapping = Mapping();
  mapping.bisect_batch_on_function_error = true;
  mapping.maximum_retry_attempts = 0;
  for (const char* key : {"a", "bad", "c"}) source_.Append("shard-1", key);
  executor_.fail = [](const std::vector<std::string>& keys) {
    return std::find(keys.begin(), keys.end(), "bad") != keys.end();
  };
  Create(mapping);
  RunIoUntil([&] { return mappings_->Checkpoint("m-1", "shard-1") == "4"; });
  EXPECT_EQ(executor_.batches,
            (Batches{{"seed", "a", "bad", "c"}, {"seed", "a"}, {"bad", "c"}, {"bad"}, {"c"}}));
  ASSERT_EQ(DroppedLines().size(), 1u);
  const json::value record = json::parse(DroppedLines()[0]);
  EXPECT_EQ(record.at("DDBStreamBatchInfo").at("startSequenceNumber"), "3");
  EXPECT_EQ(record.at("DDBStreamBatchInfo").at("batchSize"), 1);
}

TEST_F(StreamPollerTest, RecordsOlderThanTheMaximumAgeAreGivenUp) {
  EventSourceMapping mapping = Mapping();
  mapping.maximum_record_age_seconds = 60;  // retries: until then
  executor_.fail = [](const std::vector<std::string>& keys) { return keys[0] == "seed"; };
  Create(mapping);
  RunIoUntil([&] { return executor_.batches.size() == 1; });
  RunIoBriefly();
  Advance(61'000);
  RunIoUntil([&] { return DroppedLines().size() == 1; });
  const json::value record = json::parse(DroppedLines()[0]);
  EXPECT_EQ(record.at("requestContext").at("condition"), "RecordAgeExceeded");
}

TEST_F(StreamPollerTest, FiltersPassOverRecordsThatMatchNoPattern) {
  EventSourceMapping mapping = Mapping();
  mapping.filter_patterns = {R"({"key": ["b"]})"};
  for (const char* key : {"a", "b", "c"}) source_.Append("shard-1", key);
  Create(mapping);
  RunIoUntil([&] { return mappings_->Checkpoint("m-1", "shard-1") == "4"; });
  EXPECT_EQ(executor_.batches, (Batches{{"b"}}));
}

TEST_F(StreamPollerTest, ADisabledOrDeletedMappingStops) {
  EventSourceMapping mapping = Mapping();
  Create(mapping);
  RunIoUntil([&] { return mappings_->Checkpoint("m-1", "shard-1") == "1"; });
  mapping.enabled = false;
  Create(mapping);
  EXPECT_EQ(source_.watchers(), 0u);
  source_.Append("shard-1", "while-disabled");
  RunIoBriefly();
  EXPECT_EQ(executor_.batches.size(), 1u);
  mapping.enabled = true;
  Create(mapping);
  RunIoUntil([&] { return executor_.batches.size() == 2; });
  EXPECT_EQ(executor_.batches[1], std::vector<std::string>{"while-disabled"});
  mappings_->Remove("m-1", [](absl::Status s) { EXPECT_TRUE(s.ok()) << s; });
  poller_->Refresh("m-1");
  EXPECT_EQ(source_.watchers(), 0u);
  EXPECT_EQ(mappings_->Checkpoint("m-1", "shard-1"), "");
}

TEST_F(StreamPollerTest, AChildShardWaitsUntilItsParentIsDeliveredToItsEnd) {
  source_.SetParent("shard-2", "shard-1");
  source_.Append("shard-2", "child");
  Create(Mapping());
  RunIoUntil([&] { return executor_.batches.size() == 1; });
  RunIoBriefly();
  EXPECT_EQ(executor_.batches, (Batches{{"seed"}}));
  source_.Append("shard-1", "last");
  source_.Close("shard-1");
  RunIoUntil([&] { return executor_.batches.size() == 3; });
  EXPECT_EQ(executor_.batches, (Batches{{"seed"}, {"last"}, {"child"}}));
}

}  // namespace
}  // namespace serval::lambda
