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
#include "storage/test_util.h"

namespace serval::storage {
namespace {

namespace fs = std::filesystem;

fs::path FreshDir() { return storage::FreshDir("serval-queue-test-"); }

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

uint64_t AppendSync(DurableQueue& queue, std::string metadata, std::string payload = "") {
  std::promise<absl::StatusOr<uint64_t>> done;
  auto future = done.get_future();
  queue.Append(std::move(metadata), std::move(payload),
               [&](absl::StatusOr<uint64_t> id) { done.set_value(id); });
  auto id = future.get();
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? *id : 0;
}

absl::Status UpdateSync(DurableQueue& queue, uint64_t id, std::string metadata) {
  std::promise<absl::Status> done;
  auto future = done.get_future();
  queue.Update(id, std::move(metadata), [&](absl::Status status) { done.set_value(status); });
  return future.get();
}

std::map<uint64_t, std::string> AsMap(const std::vector<QueuedEvent>& events) {
  std::map<uint64_t, std::string> out;
  for (const auto& event : events) out[event.id] = event.metadata;
  return out;
}

// The payload of every event in `ids`, as ReadPayload returns it (errors as "<status>").
std::map<uint64_t, std::string> Payloads(const DurableQueue& queue,
                                         const std::map<uint64_t, std::string>& ids) {
  std::map<uint64_t, std::string> out;
  for (const auto& [id, unused] : ids) {
    auto payload = queue.ReadPayload(id);
    out[id] = payload.ok() ? *payload : "<" + payload.status().ToString() + ">";
  }
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
    a = AppendSync(*queue, "alpha", "payload a");
    b = AppendSync(*queue, "bravo", std::string(100000, 'b'));
    c = AppendSync(*queue, "", "payload c");
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
    EXPECT_EQ(events[0].metadata, "alpha attempt 2");
    EXPECT_EQ(*queue->ReadPayload(a), "payload a");  // an update keeps the payload
    EXPECT_EQ(events[1].id, c);
    EXPECT_EQ(events[1].metadata, "");
    EXPECT_EQ(queue->ReadPayload(b).status().code(), absl::StatusCode::kNotFound);
    EXPECT_TRUE(queue->Recover().empty());  // moved out once
    e = AppendSync(*queue, "echo");
    EXPECT_GT(e, d);
    EXPECT_TRUE(UpdateSync(*queue, c, "charlie").ok());
    EXPECT_TRUE(queue->Remove(a).ok());
  }
  auto queue = OpenQueue(dir);
  EXPECT_EQ(AsMap(queue->Recover()),
            (std::map<uint64_t, std::string>{{c, "charlie"}, {e, "echo"}}));
  EXPECT_EQ(*queue->ReadPayload(c), "payload c");
  EXPECT_EQ(*queue->ReadPayload(e), "");
}

TEST(DurableQueue, UnknownIdsAndOversizedPayloadsAreRefused) {
  auto queue = OpenQueue(FreshDir());
  const uint64_t id = AppendSync(*queue, "x");
  EXPECT_EQ(UpdateSync(*queue, id + 1, "y").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(queue->Remove(id + 1).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(queue->Remove(id).ok());
  EXPECT_EQ(queue->Remove(id).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(UpdateSync(*queue, id, "y").code(), absl::StatusCode::kNotFound);

  for (auto [metadata, payload] :
       {std::pair{std::string(DurableQueue::kMaxMetadataBytes + 1, 'm'), std::string("p")},
        std::pair{std::string("m"), std::string(DurableQueue::kMaxPayloadBytes + 1, 'x')}}) {
    std::promise<absl::StatusOr<uint64_t>> done;
    queue->Append(metadata, payload, [&](absl::StatusOr<uint64_t> r) { done.set_value(r); });
    EXPECT_EQ(done.get_future().get().status().code(), absl::StatusCode::kInvalidArgument);
  }
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
  queue->Append("first", "", record);
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return first_posted; });
  }
  for (int i = 0; i < 999; ++i) queue->Append("event " + std::to_string(i), "", record);
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
      queue->Append("m", std::string(200, 'p'), [&order, i](absl::StatusOr<uint64_t> id) {
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
      queue->Append("e" + std::to_string(i), "", [&](absl::StatusOr<uint64_t> id) {
        EXPECT_TRUE(id.ok());
        ++fired;  // writer thread only
      });
    }
    queue->Close();
    EXPECT_EQ(fired, 300);
    std::promise<absl::StatusOr<uint64_t>> late;
    queue->Append("late", "", [&](absl::StatusOr<uint64_t> r) { late.set_value(r); });
    EXPECT_EQ(late.get_future().get().status().code(), absl::StatusCode::kFailedPrecondition);
  }
  auto queue = OpenQueue(dir);
  EXPECT_EQ(queue->Recover().size(), 300u);
}

// Appends `n` events with metadata "event <i>" and payload "payload <i>", and closes.
std::vector<uint64_t> Fill(const fs::path& dir, int n) {
  auto queue = OpenQueue(dir);
  std::vector<uint64_t> ids;
  for (int i = 0; i < n; ++i) {
    ids.push_back(AppendSync(*queue, "event " + std::to_string(i), "payload " + std::to_string(i)));
  }
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
    EXPECT_EQ(events.back().metadata, "event 8");
    EXPECT_GT(queue->Stats().truncated_tail_bytes, 0u);
    AppendSync(*queue, "after the tear");
  }
  // The torn bytes were cut off, so what was appended after them is readable.
  auto queue = OpenQueue(dir);
  const auto events = queue->Recover();
  ASSERT_EQ(events.size(), 10u);
  EXPECT_EQ(events.back().metadata, "after the tear");
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
    file.seekp(static_cast<std::streamoff>(size - 3));  // inside "payload 9"
    file.put('X');
  }
  auto queue = OpenQueue(dir);
  const auto events = queue->Recover();
  ASSERT_EQ(events.size(), 9u);
  EXPECT_EQ(events.back().metadata, "event 8");
  EXPECT_EQ(*queue->ReadPayload(events.back().id), "payload 8");
}

TEST(DurableQueue, CompactionKeepsExactlyTheLiveSetAndSurvivesReopen) {
  const auto dir = FreshDir();
  auto options = InlineOptions();
  options.segment_bytes = 4096;                // many small segments
  options.compact_min_log_bytes = 1ull << 40;  // no background compaction here
  std::map<uint64_t, std::string> live;
  std::map<uint64_t, std::string> payloads;  // of every event appended
  uint64_t max_id = 0;
  {
    auto queue = OpenQueue(dir, options);
    std::vector<uint64_t> ids;
    for (int i = 0; i < 400; ++i) {
      const std::string payload = "payload " + std::to_string(i) + std::string(i % 50, '.');
      ids.push_back(AppendSync(*queue, "event " + std::to_string(i), payload));
      live[ids.back()] = "event " + std::to_string(i);
      payloads[ids.back()] = payload;
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
    for (const auto& [id, payload] : Payloads(*queue, live)) EXPECT_EQ(payload, payloads[id]);
    // Still usable, and a second compaction of the compacted segment changes nothing.
    const uint64_t id = AppendSync(*queue, "after compaction", "new payload");
    live[id] = "after compaction";
    payloads[id] = "new payload";
    ASSERT_TRUE(UpdateSync(*queue, live.begin()->first, "updated after compaction").ok());
    live.begin()->second = "updated after compaction";
    ASSERT_TRUE(queue->CompactNow().ok());
    EXPECT_EQ(queue->Stats().live_events, live.size());
  }
  auto queue = OpenQueue(dir, options);
  EXPECT_EQ(AsMap(queue->Recover()), live);
  for (const auto& [id, payload] : Payloads(*queue, live)) EXPECT_EQ(payload, payloads[id]);
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

// Overwrites the byte at `offset` of `path` with its complement.
void FlipByte(const fs::path& path, uint64_t offset) {
  std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
  file.seekg(static_cast<std::streamoff>(offset));
  const char c = static_cast<char>(file.get());
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(static_cast<char>(~c));
}

TEST(DurableQueue, RecoverySkipsSealedPayloadsAndAReadFindsTheirDamage) {
  const auto dir = FreshDir();
  auto options = InlineOptions();
  options.segment_bytes = 64 << 10;
  options.compact_min_log_bytes = 1ull << 40;
  constexpr size_t kPayloadBytes = 20000;
  std::map<uint64_t, std::string> live;
  std::map<uint64_t, std::string> payloads;
  {
    auto queue = OpenQueue(dir, options);
    for (int i = 0; i < 38; ++i) {  // four records a segment: two in the newest
      const std::string payload(kPayloadBytes, static_cast<char>('a' + i % 26));
      const uint64_t id = AppendSync(*queue, "event " + std::to_string(i), payload);
      live[id] = "event " + std::to_string(i);
      payloads[id] = payload;
    }
  }
  const auto segments = Segments(dir);
  ASSERT_GT(segments.size(), 3u);
  const uint64_t newest_records = (fs::file_size(segments.back()) - 40) / (25 + 8 + kPayloadBytes);
  ASSERT_EQ(newest_records, 2u);
  // The first event's payload sits at the end of the first record of the first (sealed) segment:
  // 40 bytes of segment header, 25 of record header, the metadata "event 0", then the payload.
  const uint64_t first_id = live.begin()->first;
  FlipByte(segments.front(), 40 + 25 + 7 + kPayloadBytes / 2);
  // And the last record of the newest segment is torn: its payload no longer matches.
  const uint64_t last_id = live.rbegin()->first;
  FlipByte(segments.back(), fs::file_size(segments.back()) - 1);

  auto queue = OpenQueue(dir, options);
  auto expected = live;
  expected.erase(last_id);  // cut off with the torn tail
  EXPECT_EQ(AsMap(queue->Recover()), expected);
  const auto stats = queue->Stats();
  EXPECT_EQ(stats.corrupt_bytes_skipped, 0u);  // the damaged payload went unnoticed at open...
  EXPECT_EQ(stats.truncated_tail_bytes, 25u + 8u + kPayloadBytes);  // "event 37"
  // ...because no payload of a sealed segment was read.
  EXPECT_EQ(stats.payload_bytes_skipped, (live.size() - newest_records) * kPayloadBytes);
  for (const auto& [id, payload] : Payloads(*queue, expected)) {
    if (id != first_id) {
      EXPECT_EQ(payload, payloads[id]);
    }
  }
  // ...and is found when the payload is read.
  EXPECT_EQ(queue->ReadPayload(first_id).status().code(), absl::StatusCode::kDataLoss);
  // Compaction copies the damaged payload as it is, so the damage stays detectable.
  ASSERT_TRUE(queue->CompactNow().ok());
  EXPECT_EQ(queue->ReadPayload(first_id).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(*queue->ReadPayload(std::next(expected.begin())->first),
            payloads[std::next(expected.begin())->first]);
}

TEST(DurableQueue, MetadataUpdatesKeepThePayloadThroughCompactionAndRestart) {
  const auto dir = FreshDir();
  auto options = InlineOptions();
  options.segment_bytes = 16 << 10;
  options.compact_min_log_bytes = 1ull << 40;
  const std::string payload(10000, 'p');
  uint64_t id = 0;
  {
    auto queue = OpenQueue(dir, options);
    id = AppendSync(*queue, "attempts 0", payload);
    for (int i = 0; i < 10; ++i) AppendSync(*queue, "filler", std::string(3000, 'f'));
    // Updates do not rewrite the payload.
    const uint64_t written = queue->Stats().bytes_written;
    ASSERT_TRUE(UpdateSync(*queue, id, "attempts 1").ok());
    EXPECT_EQ(queue->Stats().bytes_written - written, 25u + 10u);
    EXPECT_GT(queue->Stats().segments, 2u);  // the update is in a later segment than the append
  }
  {
    // The latest metadata and the first payload, from two segments.
    auto queue = OpenQueue(dir, options);
    ASSERT_EQ(queue->Recover().front().metadata, "attempts 1");
    EXPECT_EQ(*queue->ReadPayload(id), payload);
    ASSERT_TRUE(queue->CompactNow().ok());  // one full record now
    EXPECT_EQ(*queue->ReadPayload(id), payload);
    ASSERT_TRUE(UpdateSync(*queue, id, "attempts 2").ok());  // in the active segment
    ASSERT_TRUE(queue->CompactNow().ok());
    EXPECT_EQ(*queue->ReadPayload(id), payload);
    ASSERT_TRUE(UpdateSync(*queue, id, "attempts 3").ok());
  }
  auto queue = OpenQueue(dir, options);
  const auto events = queue->Recover();
  ASSERT_EQ(events.front().id, id);
  EXPECT_EQ(events.front().metadata, "attempts 3");
  EXPECT_EQ(*queue->ReadPayload(id), payload);
}

TEST(DurableQueue, CompactionWhileUpdatesGoToTheActiveSegmentKeepsBoth) {
  // Background compaction after every rotation, while updates keep landing in the active
  // segment: an event's latest metadata may then be newer than the compacted copy of it.
  const auto dir = FreshDir();
  auto options = InlineOptions();
  options.segment_bytes = 8 << 10;
  options.compact_min_log_bytes = 1;
  options.compact_max_live_fraction = 1.0;
  std::map<uint64_t, std::string> live;
  std::map<uint64_t, std::string> payloads;
  {
    auto queue = OpenQueue(dir, options);
    for (int i = 0; i < 30; ++i) {
      const uint64_t id = AppendSync(*queue, "event", std::string(500 + i, 'a' + i % 26));
      live[id] = "event";
      payloads[id] = std::string(500 + i, 'a' + i % 26);
    }
    for (int round = 0; round < 20; ++round) {
      for (auto& [id, metadata] : live) {
        metadata = "round " + std::to_string(round);
        ASSERT_TRUE(UpdateSync(*queue, id, metadata).ok());
      }
      for (const auto& [id, payload] : Payloads(*queue, live)) ASSERT_EQ(payload, payloads[id]);
    }
    EXPECT_GT(queue->Stats().compactions, 0u);
    EXPECT_EQ(queue->Stats().compaction_failures, 0u);
  }
  auto queue = OpenQueue(dir, options);
  EXPECT_EQ(AsMap(queue->Recover()), live);
  for (const auto& [id, payload] : Payloads(*queue, live)) EXPECT_EQ(payload, payloads[id]);
}

TEST(DurableQueue, AnOlderFormatIsRefusedAndLeftAlone) {
  const auto dir = FreshDir();
  Fill(dir, 3);
  const auto segment = Segments(dir).front();
  // Rewrite the header's version (bytes 32..35) to 1 and its checksum (36..39) to match.
  std::string header(40, '\0');
  {
    std::ifstream in(segment, std::ios::binary);
    in.read(header.data(), 40);
  }
  header[32] = 1;
  header[33] = header[34] = header[35] = 0;
  const uint32_t crc = Crc32c(std::string_view(header).substr(0, 36));
  for (int i = 0; i < 4; ++i) header[36 + i] = static_cast<char>(crc >> (8 * i));
  {
    std::fstream out(segment, std::ios::binary | std::ios::in | std::ios::out);
    out.write(header.data(), 40);
  }
  const auto size = fs::file_size(segment);
  auto queue = DurableQueue::Open(dir, InlineOptions());
  EXPECT_EQ(queue.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(queue.status().message().find("format version 1"), std::string_view::npos)
      << queue.status();
  EXPECT_EQ(fs::file_size(segment), size);
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
      (*queue)->Append("event " + std::to_string(i) + std::string(100, '.'), "payload",
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
  for (const auto& event : queue->Recover()) recovered.insert(event.metadata);
  for (int32_t i : acked) {
    ASSERT_TRUE(recovered.contains("event " + std::to_string(i) + std::string(100, '.')))
        << "acknowledged event " << i << " lost";
  }
  EXPECT_GE(recovered.size(), acked.size());
}

}  // namespace
}  // namespace serval::storage
