#include "storage/durable_queue.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/ids.h"

namespace serval::storage {
namespace {

namespace fs = std::filesystem;

fs::path FreshDir() {
  auto dir = fs::temp_directory_path() / ("serval-queue-test-" + RandomHex(8));
  fs::create_directories(dir);
  return dir;
}

// Runs completions right away on the writer thread: fine for tests that only wait on them.
DurableQueueOptions InlineOptions() {
  DurableQueueOptions options;
  options.post_to_io = [](std::function<void()> fn) { fn(); };
  return options;
}

std::unique_ptr<DurableQueue> OpenQueue(const fs::path& dir,
                                        DurableQueueOptions options = InlineOptions()) {
  auto queue = DurableQueue::Open(dir, std::move(options));
  EXPECT_TRUE(queue.ok()) << queue.status();
  return queue.ok() ? std::move(*queue) : nullptr;
}

uint64_t AppendSync(DurableQueue& queue, std::string payload) {
  std::promise<absl::StatusOr<uint64_t>> done;
  auto future = done.get_future();
  queue.Append(std::move(payload), [&](absl::StatusOr<uint64_t> id) { done.set_value(id); });
  auto id = future.get();
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? *id : 0;
}

absl::Status UpdateSync(DurableQueue& queue, uint64_t id, std::string payload) {
  std::promise<absl::Status> done;
  auto future = done.get_future();
  queue.Update(id, std::move(payload), [&](absl::Status status) { done.set_value(status); });
  return future.get();
}

std::map<uint64_t, std::string> AsMap(const std::vector<QueuedEvent>& events) {
  std::map<uint64_t, std::string> out;
  for (const auto& event : events) out[event.id] = event.payload;
  return out;
}

std::vector<fs::path> Segments(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".seg") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Crc32c, KnownVector) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c("6789", Crc32c("12345")), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(DurableQueue, AppendUpdateRemoveRecoverAcrossReopen) {
  const auto dir = FreshDir();
  uint64_t a, b, c, d;
  {
    auto queue = OpenQueue(dir);
    EXPECT_TRUE(queue->Recover().empty());
    a = AppendSync(*queue, "alpha");
    b = AppendSync(*queue, std::string(100000, 'b'));
    c = AppendSync(*queue, "");
    d = AppendSync(*queue, "delta");
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_LT(c, d);
    EXPECT_TRUE(UpdateSync(*queue, a, "alpha attempt 2").ok());
    EXPECT_TRUE(queue->Remove(b).ok());
    EXPECT_TRUE(queue->Remove(d).ok());  // the highest id: must not be handed out again
    EXPECT_EQ(queue->Stats().live_events, 2u);
  }
  uint64_t e;
  {
    auto queue = OpenQueue(dir);
    const auto events = queue->Recover();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].id, a);
    EXPECT_EQ(events[0].payload, "alpha attempt 2");
    EXPECT_EQ(events[1].id, c);
    EXPECT_EQ(events[1].payload, "");
    EXPECT_TRUE(queue->Recover().empty());  // moved out once
    e = AppendSync(*queue, "echo");
    EXPECT_GT(e, d);
    EXPECT_TRUE(UpdateSync(*queue, c, "charlie").ok());
    EXPECT_TRUE(queue->Remove(a).ok());
  }
  auto queue = OpenQueue(dir);
  EXPECT_EQ(AsMap(queue->Recover()),
            (std::map<uint64_t, std::string>{{c, "charlie"}, {e, "echo"}}));
}

TEST(DurableQueue, UnknownIdsAndOversizedPayloadsAreRefused) {
  auto queue = OpenQueue(FreshDir());
  const uint64_t id = AppendSync(*queue, "x");
  EXPECT_EQ(UpdateSync(*queue, id + 1, "y").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(queue->Remove(id + 1).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(queue->Remove(id).ok());
  EXPECT_EQ(queue->Remove(id).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(UpdateSync(*queue, id, "y").code(), absl::StatusCode::kNotFound);

  std::promise<absl::StatusOr<uint64_t>> done;
  queue->Append(std::string(DurableQueue::kMaxPayloadBytes + 1, 'x'),
                [&](absl::StatusOr<uint64_t> r) { done.set_value(r); });
  EXPECT_EQ(done.get_future().get().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DurableQueue, SecondOpenOfTheSameDirectoryFails) {
  const auto dir = FreshDir();
  auto queue = OpenQueue(dir);
  EXPECT_EQ(DurableQueue::Open(dir, InlineOptions()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  queue.reset();
  EXPECT_TRUE(DurableQueue::Open(dir, InlineOptions()).ok());
}

TEST(DurableQueue, AppendsWhileABatchSyncsShareOneSync) {
  // The poster blocks the writer after the first batch until the test has queued 999 more, so
  // those must all go out as the second batch: two writes and two syncs in total.
  std::mutex mu;
  std::condition_variable cv;
  bool first_posted = false;
  bool release = false;
  std::vector<uint64_t> completed;
  DurableQueueOptions options;
  options.post_to_io = [&](std::function<void()> fn) {
    std::unique_lock lock(mu);
    first_posted = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    lock.unlock();
    fn();
  };
  auto queue = OpenQueue(FreshDir(), options);
  auto record = [&](absl::StatusOr<uint64_t> id) {
    ASSERT_TRUE(id.ok());
    completed.push_back(*id);  // on the writer thread, one batch at a time
  };
  queue->Append("first", record);
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return first_posted; });
  }
  for (int i = 0; i < 999; ++i) queue->Append("event " + std::to_string(i), record);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  queue->Close();
  const auto stats = queue->Stats();
  EXPECT_EQ(stats.syncs, 2u);
  EXPECT_EQ(stats.batches, 2u);
  EXPECT_EQ(stats.records_written, 1000u);
  ASSERT_EQ(completed.size(), 1000u);
  EXPECT_TRUE(std::is_sorted(completed.begin(), completed.end()));
}

TEST(DurableQueue, ManyAppendsFromOneThreadBatchAndCompleteInOrder) {
  // An io-thread stand-in: completions are posted to a queue this thread drains.
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::function<void()>> posted;
  DurableQueueOptions options;
  options.post_to_io = [&](std::function<void()> fn) {
    std::lock_guard lock(mu);
    posted.push_back(std::move(fn));
    cv.notify_all();
  };
  auto queue = OpenQueue(FreshDir(), options);
  constexpr int kEvents = 5000;
  std::vector<int> order;  // submission index of each completion, in completion order
  for (int i = 0; i < kEvents; ++i) {
    if (i % 3 == 2) {
      queue->Update(1, "update " + std::to_string(i), [&order, i](absl::Status status) {
        EXPECT_TRUE(status.ok()) << status;
        order.push_back(i);
      });
    } else {
      queue->Append(std::string(200, 'p'), [&order, i](absl::StatusOr<uint64_t> id) {
        EXPECT_TRUE(id.ok());
        order.push_back(i);
      });
    }
  }
  while (order.size() < kEvents) {
    std::vector<std::function<void()>> run;
    {
      std::unique_lock lock(mu);
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return !posted.empty(); });
      ASSERT_FALSE(posted.empty()) << "completions stalled at " << order.size();
      run.swap(posted);
    }
    for (auto& fn : run) fn();
  }
  for (int i = 0; i < kEvents; ++i) ASSERT_EQ(order[i], i);
  const auto stats = queue->Stats();
  EXPECT_EQ(stats.syncs, stats.batches);
  EXPECT_LT(stats.syncs, static_cast<uint64_t>(kEvents) / 2) << "appends were not batched";
}

TEST(DurableQueue, CloseFlushesPendingAppendsAndFiresTheirCallbacks) {
  const auto dir = FreshDir();
  int fired = 0;
  {
    auto queue = OpenQueue(dir);
    for (int i = 0; i < 300; ++i) {
      queue->Append("e" + std::to_string(i), [&](absl::StatusOr<uint64_t> id) {
        EXPECT_TRUE(id.ok());
        ++fired;  // writer thread only
      });
    }
    queue->Close();
    EXPECT_EQ(fired, 300);
    std::promise<absl::StatusOr<uint64_t>> late;
    queue->Append("late", [&](absl::StatusOr<uint64_t> r) { late.set_value(r); });
    EXPECT_EQ(late.get_future().get().status().code(), absl::StatusCode::kFailedPrecondition);
  }
  auto queue = OpenQueue(dir);
  EXPECT_EQ(queue->Recover().size(), 300u);
}

// Appends `n` events "event <i>" and closes.
std::vector<uint64_t> Fill(const fs::path& dir, int n) {
  auto queue = OpenQueue(dir);
  std::vector<uint64_t> ids;
  for (int i = 0; i < n; ++i) ids.push_back(AppendSync(*queue, "event " + std::to_string(i)));
  return ids;
}

TEST(DurableQueue, TornTailIsTruncatedAndEarlierRecordsSurvive) {
  const auto dir = FreshDir();
  const auto ids = Fill(dir, 10);
  const auto segment = Segments(dir).back();
  fs::resize_file(segment, fs::file_size(segment) - 3);  // a crash mid-write of the last record
  {
    auto queue = OpenQueue(dir);
    const auto events = queue->Recover();
    ASSERT_EQ(events.size(), 9u);
    EXPECT_EQ(events.back().payload, "event 8");
    EXPECT_GT(queue->Stats().truncated_tail_bytes, 0u);
    AppendSync(*queue, "after the tear");
  }
  // The torn bytes were cut off, so what was appended after them is readable.
  auto queue = OpenQueue(dir);
  const auto events = queue->Recover();
  ASSERT_EQ(events.size(), 10u);
  EXPECT_EQ(events.back().payload, "after the tear");
  // The torn append was never acknowledged, so its id may be handed out again.
  EXPECT_GT(events.back().id, ids[8]);
  EXPECT_EQ(queue->Stats().truncated_tail_bytes, 0u);
}

TEST(DurableQueue, GarbageAfterTheLastRecordIsTruncated) {
  const auto dir = FreshDir();
  Fill(dir, 10);
  const auto segment = Segments(dir).back();
  const auto size = fs::file_size(segment);
  {
    std::ofstream out(segment, std::ios::binary | std::ios::app);
    out << std::string(4096, '\0') << "garbage that is not a record";
  }
  auto queue = OpenQueue(dir);
  EXPECT_EQ(queue->Recover().size(), 10u);
  EXPECT_EQ(queue->Stats().truncated_tail_bytes, 4096u + 28u);
  EXPECT_EQ(fs::file_size(segment), size);
}

TEST(DurableQueue, CorruptChecksumInTheLastRecordDropsOnlyIt) {
  const auto dir = FreshDir();
  Fill(dir, 10);
  const auto segment = Segments(dir).back();
  const auto size = fs::file_size(segment);
  {
    std::fstream file(segment, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(size - 3));  // inside "event 9"
    file.put('X');
  }
  auto queue = OpenQueue(dir);
  const auto events = queue->Recover();
  ASSERT_EQ(events.size(), 9u);
  EXPECT_EQ(events.back().payload, "event 8");
}

TEST(DurableQueue, CompactionKeepsExactlyTheLiveSetAndSurvivesReopen) {
  const auto dir = FreshDir();
  auto options = InlineOptions();
  options.segment_bytes = 4096;                // many small segments
  options.compact_min_log_bytes = 1ull << 40;  // no background compaction here
  std::map<uint64_t, std::string> live;
  uint64_t max_id = 0;
  {
    auto queue = OpenQueue(dir, options);
    std::vector<uint64_t> ids;
    for (int i = 0; i < 400; ++i) {
      ids.push_back(AppendSync(*queue, "event " + std::to_string(i) + std::string(100, '.')));
      live[ids.back()] = "event " + std::to_string(i) + std::string(100, '.');
    }
    max_id = ids.back();
    for (int i = 0; i < 400; ++i) {
      if (i % 10 == 3) {
        ASSERT_TRUE(UpdateSync(*queue, ids[i], "updated " + std::to_string(i)).ok());
        live[ids[i]] = "updated " + std::to_string(i);
      } else if (i % 10 != 7) {
        ASSERT_TRUE(queue->Remove(ids[i]).ok());
        live.erase(ids[i]);
      }
    }
    ASSERT_FALSE(live.contains(max_id));  // the highest id is gone from the log after compaction
    const auto before = queue->Stats();
    ASSERT_GT(before.segments, 5u);
    ASSERT_TRUE(queue->CompactNow().ok());
    const auto after = queue->Stats();
    EXPECT_EQ(after.compactions, 1u);
    EXPECT_EQ(after.segments, 2u);  // the compacted one and a fresh active one
    EXPECT_LT(after.log_bytes, before.log_bytes / 4);
    EXPECT_EQ(after.live_events, live.size());
    EXPECT_EQ(Segments(dir).size(), 2u);
    // Still usable, and a second compaction of the compacted segment changes nothing.
    const uint64_t id = AppendSync(*queue, "after compaction");
    live[id] = "after compaction";
    ASSERT_TRUE(UpdateSync(*queue, live.begin()->first, "updated after compaction").ok());
    live.begin()->second = "updated after compaction";
    ASSERT_TRUE(queue->CompactNow().ok());
    EXPECT_EQ(queue->Stats().live_events, live.size());
  }
  auto queue = OpenQueue(dir, options);
  EXPECT_EQ(AsMap(queue->Recover()), live);
  EXPECT_GT(AppendSync(*queue, "new"), max_id);
}

TEST(DurableQueue, CrashAfterCompactionRenameDoesNotResurrectRemovedEvents) {
  const auto dir = FreshDir();
  const auto backup = FreshDir();
  auto options = InlineOptions();
  options.segment_bytes = 2048;
  options.compact_min_log_bytes = 1ull << 40;
  std::map<uint64_t, std::string> live;
  {
    auto queue = OpenQueue(dir, options);
    for (int i = 0; i < 100; ++i) {
      const uint64_t id = AppendSync(*queue, "event " + std::to_string(i) + std::string(50, '.'));
      if (i % 4 == 0) {
        live[id] = "event " + std::to_string(i) + std::string(50, '.');
      } else {
        ASSERT_TRUE(queue->Remove(id).ok());
      }
    }
    // Flush the removes (a synced append carries them) and seal the segment holding them.
    live[AppendSync(*queue, "last")] = "last";
    for (const auto& segment : Segments(dir)) fs::copy_file(segment, backup / segment.filename());
    ASSERT_TRUE(queue->CompactNow().ok());
  }
  // Put the superseded segments back, as if the crash came before they were unlinked, plus a
  // half-written compaction output.
  for (const auto& segment : Segments(backup)) {
    if (!fs::exists(dir / segment.filename())) fs::copy_file(segment, dir / segment.filename());
  }
  std::ofstream(dir / "00000000000000000099.seg.tmp") << "partial";
  auto queue = OpenQueue(dir, options);
  EXPECT_EQ(AsMap(queue->Recover()), live);
  EXPECT_FALSE(fs::exists(dir / "00000000000000000099.seg.tmp"));
  EXPECT_EQ(Segments(dir).size(), 2u);
}

TEST(DurableQueue, BackgroundCompactionRunsWhileAppendsContinue) {
  const auto dir = FreshDir();
  auto options = InlineOptions();
  options.segment_bytes = 8192;
  options.compact_min_log_bytes = 32768;
  std::map<uint64_t, std::string> live;
  {
    auto queue = OpenQueue(dir, options);
    for (int i = 0; i < 3000; ++i) {
      const std::string payload = "event " + std::to_string(i) + std::string(64, '.');
      const uint64_t id = AppendSync(*queue, payload);
      if (i % 20 == 0) {
        live[id] = payload;
      } else {
        ASSERT_TRUE(queue->Remove(id).ok());
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (queue->Stats().compactions == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const auto stats = queue->Stats();
    EXPECT_GT(stats.compactions, 0u);
    EXPECT_EQ(stats.live_events, live.size());
    EXPECT_LT(stats.log_bytes, 3000u * 80u / 4);
  }
  auto queue = OpenQueue(dir, options);
  EXPECT_EQ(AsMap(queue->Recover()), live);
}

TEST(DurableQueue, EveryAcknowledgedAppendSurvivesSigkill) {
  const auto dir = FreshDir();
  constexpr int kEvents = 20000;
  constexpr int kKillAfterAcks = 3000;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    const int ack_fd = fds[1];
    DurableQueueOptions options;
    int acked = 0;
    options.post_to_io = [](std::function<void()> fn) { fn(); };
    options.segment_bytes = 256 * 1024;  // rotations happen too
    auto queue = DurableQueue::Open(dir, options);
    if (!queue.ok()) ::_exit(2);
    for (int i = 0; i < kEvents; ++i) {
      (*queue)->Append("event " + std::to_string(i) + std::string(100, '.'),
                       [&acked, ack_fd, i](absl::StatusOr<uint64_t> id) {
                         if (!id.ok()) ::_exit(3);
                         int32_t index = i;
                         if (::write(ack_fd, &index, sizeof(index)) != sizeof(index)) ::_exit(4);
                         if (++acked == kKillAfterAcks) ::kill(::getpid(), SIGKILL);
                       });
    }
    ::pause();  // the writer thread kills us
    ::_exit(5);
  }
  ::close(fds[1]);
  std::set<int32_t> acked;
  int32_t index;
  while (::read(fds[0], &index, sizeof(index)) == sizeof(index)) acked.insert(index);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(acked.size(), static_cast<size_t>(kKillAfterAcks));

  auto queue = OpenQueue(dir);
  std::set<std::string> recovered;
  for (const auto& event : queue->Recover()) recovered.insert(event.payload);
  for (int32_t i : acked) {
    ASSERT_TRUE(recovered.contains("event " + std::to_string(i) + std::string(100, '.')))
        << "acknowledged event " << i << " lost";
  }
  EXPECT_GE(recovered.size(), acked.size());
}

}  // namespace
}  // namespace serval::storage
