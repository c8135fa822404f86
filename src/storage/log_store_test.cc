#include "storage/log_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/ids.h"

namespace serval::storage {
namespace {

std::filesystem::path FreshDir() {
  auto dir = std::filesystem::temp_directory_path() / ("serval-test-" + RandomHex(8));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(LogStore, EventsRoundTripWithNewlinesAndBackslashes) {
  LogStore store(FreshDir());
  auto writer = store.OpenStream("/aws/lambda/f", "2024/01/02/[$LATEST]abc");
  ASSERT_TRUE(writer.ok());
  (*writer)->Append(5, "START RequestId: x");
  (*writer)->Append(6, "multi\nline \\ text\tand tab");
  (*writer)->Flush();
  EXPECT_EQ(store.ListStreams("/aws/lambda/f"),
            std::vector<std::string>{"2024/01/02/[$LATEST]abc"});
  std::vector<LogEvent> events;
  auto end = store.ReadStream("/aws/lambda/f", "2024/01/02/[$LATEST]abc", 0,
                              [&](const LogEvent& e) { events.push_back(e); });
  ASSERT_TRUE(end.ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].timestamp_millis, 5);
  EXPECT_EQ(events[1].message, "multi\nline \\ text\tand tab");

  // Resuming from the returned offset sees only new events.
  (*writer)->Append(7, "later");
  (*writer)->Flush();
  events.clear();
  auto next = store.ReadStream("/aws/lambda/f", "2024/01/02/[$LATEST]abc", *end,
                               [&](const LogEvent& e) { events.push_back(e); });
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "later");
}

TEST(LogStore, UnknownStreamIsNotFound) {
  LogStore store(FreshDir());
  EXPECT_TRUE(store.ListStreams("/aws/lambda/none").empty());
  EXPECT_EQ(store.ReadStream("/aws/lambda/none", "s", 0, [](const LogEvent&) {}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace serval::storage
