#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/logs/filter_pattern.h"
#include "storage/log_store.h"

namespace serval::logs {

// FilterLogEvents over a log store: the events of a group's chosen streams in a time range that
// match a filter pattern, sorted by timestamp (then ingestion time) across streams, a page at a
// time. Each stream is read in file order from where the last page stopped and the streams are
// merged, so paging is exact and memory stays bounded by the page; the nextToken records, per
// stream with events left, the offset to go on from.
struct EventSearch {
  std::string group;
  std::vector<std::string> stream_names;  // empty: every stream (or those with the prefix)
  std::optional<std::string> stream_prefix;
  int64_t start_millis = INT64_MIN;  // inclusive
  int64_t end_millis = INT64_MAX;    // inclusive
  const FilterPattern* pattern = nullptr;
  size_t limit = 10000;
  std::optional<std::string> next_token;
};

struct FoundEvent {
  size_t stream = 0;  // index into EventSearchPage::streams
  uint64_t stream_id = 0;
  storage::LogEvent event;
};

struct EventSearchPage {
  std::vector<std::string> streams;  // searched, in name order
  std::vector<FoundEvent> events;
  std::optional<std::string> next_token;
};

// InvalidArgument for a token this did not make; NotFound without the group. Blocking: runs on
// a worker.
absl::StatusOr<EventSearchPage> SearchEvents(storage::LogStore& store, const EventSearch& search);

}  // namespace serval::logs
