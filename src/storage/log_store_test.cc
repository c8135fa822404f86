#include "storage/log_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/ids.h"

namespace serval::storage {
namespace {

constexpr std::string_view kGroup = "/aws/lambda/f";
constexpr std::string_view kStream = "2024/01/02/[$LATEST]abc";

std::filesystem::path FreshDir() {
  auto dir = std::filesystem::temp_directory_path() / ("serval-test-" + RandomHex(8));
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<LogEvent> ReadAll(LogStore& store, std::string_view group, std::string_view stream,
                              uint64_t offset = 0) {
  std::vector<LogEvent> events;
  auto end = store.ReadStream(group, stream, offset,
                              [&](const LogEvent& event) { events.push_back(event); });
  EXPECT_TRUE(end.ok()) << end.status();
  return events;
}

TEST(LogStore, EventsRoundTripWithNewlinesBackslashesAndTabs) {
  LogStore store(FreshDir());
  auto writer = store.OpenStream(kGroup, kStream, 1);
  ASSERT_TRUE(writer.ok());
  (*writer)->Append(5, "START RequestId: x");
  (*writer)->Append(6, "multi\nline \\ text\tand tab");
  (*writer)->Flush();
  auto streams = store.ListStreams(kGroup);
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 1u);
  EXPECT_EQ((*streams)[0].name, kStream);
  std::vector<LogEvent> events = ReadAll(store, kGroup, kStream);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].timestamp_millis, 5);
  EXPECT_EQ(events[0].ingestion_millis, 5);
  EXPECT_EQ(events[1].message, "multi\nline \\ text\tand tab");
  EXPECT_LT(events[0].offset, events[1].offset);

  // Resuming from the end sees only new events.
  const uint64_t end = (*streams)[0].end_offset;
  (*writer)->Append(7, "later");
  (*writer)->Flush();
  events = ReadAll(store, kGroup, kStream, end);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "later");
  EXPECT_EQ(events[0].offset, end);
}

TEST(LogStore, CatalogueTracksStreamsAndSurvivesReopen) {
  const auto dir = FreshDir();
  uint64_t id = 0;
  {
    LogStore store(dir);
    ASSERT_TRUE(store.CreateGroup("g", 100).ok());
    EXPECT_TRUE(absl::IsAlreadyExists(store.CreateGroup("g", 101)));
    EXPECT_TRUE(store.EnsureGroup("g", 102).ok());
    ASSERT_TRUE(store.CreateStream("g", "s", 200).ok());
    EXPECT_TRUE(absl::IsAlreadyExists(store.CreateStream("g", "s", 201)));
    EXPECT_TRUE(absl::IsNotFound(store.CreateStream("missing", "s", 201)));
    auto empty = store.GetStream("g", "s");
    ASSERT_TRUE(empty.ok());
    EXPECT_FALSE(empty->first_event_millis.has_value());
    ASSERT_TRUE(store
                    .AppendSynced("g", "s",
                                  {{.timestamp_millis = 300, .message = "a"},
                                   {.timestamp_millis = 310, .message = "b"}},
                                  400)
                    .ok());
    auto info = store.GetStream("g", "s");
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->creation_millis, 200);
    EXPECT_EQ(info->first_event_millis, 300);
    EXPECT_EQ(info->last_event_millis, 310);
    EXPECT_EQ(info->last_ingestion_millis, 400);
    id = info->id;
    ASSERT_TRUE(store.CreateGroup("empty", 50).ok());
  }
  LogStore reopened(dir);
  auto groups = reopened.ListGroups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "empty");
  EXPECT_EQ(groups[0].creation_millis, 50);
  EXPECT_EQ(groups[1].name, "g");
  EXPECT_EQ(groups[1].creation_millis, 100);
  EXPECT_GT(groups[1].stored_bytes, 0u);
  auto info = reopened.GetStream("g", "s");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->creation_millis, 200);
  EXPECT_EQ(info->first_event_millis, 300);
  EXPECT_EQ(info->last_event_millis, 310);
  EXPECT_EQ(info->last_ingestion_millis, 400);
  EXPECT_EQ(info->id, id);
  std::vector<LogEvent> events = ReadAll(reopened, "g", "s");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].ingestion_millis, 400);
  EXPECT_TRUE(reopened.IsEventBoundary("g", "s", events[1].offset));
  EXPECT_FALSE(reopened.IsEventBoundary("g", "s", events[1].offset + 1));
  EXPECT_TRUE(reopened.IsEventBoundary("g", "s", info->end_offset));
  EXPECT_FALSE(reopened.IsEventBoundary("g", "s", info->end_offset + 1));

  ASSERT_TRUE(reopened.DeleteStream("g", "s").ok());
  EXPECT_TRUE(absl::IsNotFound(reopened.GetStream("g", "s").status()));
  ASSERT_TRUE(reopened.DeleteGroup("g").ok());
  EXPECT_TRUE(absl::IsNotFound(reopened.DeleteGroup("g")));
  EXPECT_EQ(LogStore(dir).ListGroups().size(), 1u);
}

TEST(LogStore, ReadStopsWhenAskedAndAtTheEndOffset) {
  LogStore store(FreshDir());
  auto writer = store.OpenStream(kGroup, kStream, 1);
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 10; ++i) (*writer)->Append(i, "event " + std::to_string(i));
  (*writer)->Flush();
  std::vector<LogEvent> all = ReadAll(store, kGroup, kStream);
  ASSERT_EQ(all.size(), 10u);
  int seen = 0;
  auto stopped =
      store.ReadStream(kGroup, kStream, 0, 0, [&](const LogEvent&) { return ++seen < 3; });
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(*stopped, all[3].offset);
  std::vector<LogEvent> window;
  ASSERT_TRUE(store
                  .ReadStream(kGroup, kStream, all[2].offset, all[5].offset,
                              [&](const LogEvent& event) {
                                window.push_back(event);
                                return true;
                              })
                  .ok());
  ASSERT_EQ(window.size(), 3u);
  EXPECT_EQ(window[0].message, "event 2");
  EXPECT_EQ(window[2].message, "event 4");
}

TEST(LogStore, ReadsFilesOfTheFirstFormat) {
  const auto dir = FreshDir();
  std::filesystem::create_directories(dir / "%2Faws%2Flambda%2Fold");
  std::ofstream(dir / "%2Faws%2Flambda%2Fold" / "s.log") << "5\thello\n6\tsecond\\nline\n";
  LogStore store(dir);
  std::vector<LogEvent> events = ReadAll(store, "/aws/lambda/old", "s");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message, "hello");
  EXPECT_EQ(events[0].ingestion_millis, 5);
  EXPECT_EQ(events[1].message, "second\nline");
  // Appending to it keeps its format readable.
  auto writer = store.OpenStream("/aws/lambda/old", "s", 7);
  ASSERT_TRUE(writer.ok());
  (*writer)->Append(8, "third");
  (*writer)->Flush();
  events = ReadAll(store, "/aws/lambda/old", "s");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].message, "third");
  auto info = store.GetStream("/aws/lambda/old", "s");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->first_event_millis, 5);
  EXPECT_EQ(info->last_event_millis, 8);
}

TEST(LogStore, NamesTooLongForFileNamesRoundTrip) {
  const auto dir = FreshDir();
  const std::string group(512, 'g');
  const std::string stream = std::string(300, 's') + "/[$LATEST]x";
  {
    LogStore store(dir);
    auto writer = store.OpenStream(group, stream, 1);
    ASSERT_TRUE(writer.ok()) << writer.status();
    (*writer)->Append(2, "hello");
  }
  LogStore reopened(dir);
  auto groups = reopened.ListGroups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].name, group);
  auto streams = reopened.ListStreams(group);
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 1u);
  EXPECT_EQ((*streams)[0].name, stream);
  std::vector<LogEvent> events = ReadAll(reopened, group, stream);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "hello");
}

TEST(LogStore, UnknownStreamIsNotFound) {
  LogStore store(FreshDir());
  EXPECT_TRUE(absl::IsNotFound(store.ListStreams("/aws/lambda/none").status()));
  EXPECT_EQ(store.ReadStream("/aws/lambda/none", "s", 0, [](const LogEvent&) {}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(LogStore, ListenerHearsAppends) {
  LogStore store(FreshDir());
  std::vector<std::string> heard;
  store.SetAppendListener([&](const std::string& group, const std::string& stream) {
    heard.push_back(group + "|" + stream);
  });
  ASSERT_TRUE(store.CreateGroup("g", 1).ok());
  ASSERT_TRUE(store.CreateStream("g", "s", 1).ok());
  ASSERT_TRUE(store.AppendSynced("g", "s", {{.timestamp_millis = 2, .message = "x"}}, 3).ok());
  auto writer = store.OpenStream("g", "t", 4);
  ASSERT_TRUE(writer.ok());
  (*writer)->Append(5, "y");
  (*writer)->Flush();
  EXPECT_EQ(heard, (std::vector<std::string>{"g|s", "g|t"}));
}

}  // namespace
}  // namespace serval::storage
