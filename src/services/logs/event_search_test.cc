#include "services/logs/event_search.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/crypto.h"
#include "common/ids.h"
#include "services/logs/event_ids.h"

namespace serval::logs {
namespace {

class EventSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("serval-search-" + RandomHex(8));
    store_ = std::make_unique<storage::LogStore>(dir_);
    ASSERT_TRUE(store_->CreateGroup("g", 1).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Put(const std::string& stream, std::vector<std::pair<int64_t, std::string>> events) {
    if (!store_->GetStream("g", stream).ok()) {
      ASSERT_TRUE(store_->CreateStream("g", stream, 1).ok());
    }
    std::vector<storage::LogEvent> batch;
    for (auto& [timestamp, message] : events) {
      batch.push_back({.timestamp_millis = timestamp, .message = message});
    }
    ASSERT_TRUE(store_->AppendSynced("g", stream, batch, 100).ok());
  }

  // Every page's messages, following nextToken.
  std::vector<std::string> All(EventSearch search, int* pages = nullptr) {
    std::vector<std::string> messages;
    int count = 0;
    while (true) {
      auto page = SearchEvents(*store_, search);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      ++count;
      for (const FoundEvent& found : page->events) {
        messages.push_back(page->streams[found.stream] + ":" + found.event.message);
      }
      if (!page->next_token) break;
      search.next_token = page->next_token;
    }
    if (pages) *pages = count;
    return messages;
  }

  uint64_t FirstOffset() { return store_->GetStream("g", "a")->first_event_offset; }

  std::filesystem::path dir_;
  std::unique_ptr<storage::LogStore> store_;
};

TEST_F(EventSearchTest, MergesStreamsByTimestampAndPagesExactly) {
  Put("a", {{10, "a1"}, {30, "a3"}, {50, "a5"}});
  Put("b", {{20, "b2"}, {40, "b4"}, {60, "b6"}});
  const std::vector<std::string> expected{"a:a1", "b:b2", "a:a3", "b:b4", "a:a5", "b:b6"};
  EXPECT_EQ(All({.group = "g"}), expected);
  int pages = 0;
  EXPECT_EQ(All({.group = "g", .limit = 4}, &pages), expected);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(All({.group = "g", .limit = 1}, &pages), expected);
  EXPECT_EQ(pages, 6);
}

TEST_F(EventSearchTest, TimeRangeStreamsAndPattern) {
  Put("a", {{10, "ERROR one"}, {30, "INFO two"}, {50, "ERROR three"}});
  Put("b", {{20, "ERROR four"}});
  Put("other", {{25, "ERROR five"}});
  auto pattern = FilterPattern::Parse("ERROR");
  ASSERT_TRUE(pattern.ok());
  EXPECT_EQ(All({.group = "g", .start_millis = 20, .end_millis = 50, .pattern = &*pattern}),
            (std::vector<std::string>{"b:ERROR four", "other:ERROR five", "a:ERROR three"}));
  EXPECT_EQ(All({.group = "g", .stream_names = {"a", "b"}, .pattern = &*pattern}),
            (std::vector<std::string>{"a:ERROR one", "b:ERROR four", "a:ERROR three"}));
  EXPECT_EQ(All({.group = "g", .stream_prefix = "o"}),
            (std::vector<std::string>{"other:ERROR five"}));
}

TEST_F(EventSearchTest, EventsAppendedBetweenPagesAreFound) {
  Put("a", {{10, "first"}, {20, "second"}});
  auto page = SearchEvents(*store_, {.group = "g", .limit = 1});
  ASSERT_TRUE(page.ok());
  ASSERT_TRUE(page->next_token);
  Put("a", {{30, "third"}});
  EventSearch next{.group = "g", .next_token = page->next_token};
  EXPECT_EQ(All(next), (std::vector<std::string>{"a:second", "a:third"}));
}

TEST_F(EventSearchTest, ForeignTokensAreRefused) {
  Put("a", {{10, "x"}, {20, "y"}});
  // Not base64, another version, no tab, an offset that is not a number, and one that is not
  // where an event starts.
  for (std::string token : {std::string("garbage!"), Base64Encode("s9\n1\ta"),
                            Base64Encode("s1\n3a"), Base64Encode("s1\nxy\ta"),
                            Base64Encode("s1\n" + std::to_string(FirstOffset() + 1) + "\ta")}) {
    auto page = SearchEvents(*store_, {.group = "g", .next_token = token});
    EXPECT_TRUE(absl::IsInvalidArgument(page.status())) << token;
  }
  EXPECT_TRUE(absl::IsNotFound(SearchEvents(*store_, {.group = "missing"}).status()));
}

TEST(EventIds, ReadPositionsRoundTripAndForeignOnesAreRefused) {
  const ReadPosition forward{.forward = true, .offset = 1234};
  const std::string token = FormatReadPosition(forward);
  EXPECT_EQ(token.size(), 58u);
  auto parsed = ParseReadPosition(token);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->forward);
  EXPECT_EQ(parsed->offset, 1234u);
  EXPECT_FALSE(ParseReadPosition("f/123"));
  EXPECT_FALSE(ParseReadPosition("x/" + std::string(56, '0')));
  EXPECT_FALSE(ParseReadPosition("b/1" + std::string(55, '0')));  // beyond any offset
  EXPECT_EQ(EventId(1, 2, 3).size(), 56u);
  EXPECT_NE(EventId(1, 2, 3), EventId(1, 3, 3));
}

}  // namespace
}  // namespace serval::logs
