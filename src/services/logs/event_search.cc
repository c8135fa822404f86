#include "services/logs/event_search.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <queue>

#include "common/crypto.h"
#include "common/percent_encoding.h"
#include "services/logs/request_fields.h"

namespace serval::logs {
namespace {

constexpr size_t kEventsPerRead = 512;  // matching events buffered per stream at a time
constexpr size_t kMaxPageBytes = 1048576;
constexpr std::string_view kTokenVersion = "s1";

// One stream being read: what is buffered and where reading goes on.
struct Cursor {
  size_t stream = 0;  // index into EventSearchPage::streams
  uint64_t stream_id = 0;
  uint64_t next_offset = 0;
  uint64_t end_offset = 0;
  std::deque<storage::LogEvent> buffered;
  bool exhausted = false;
  // Where a next page starts in this stream.
  uint64_t resume() const { return buffered.empty() ? next_offset : buffered.front().offset; }
};

std::string EncodeToken(const std::vector<Cursor>& cursors,
                        const std::vector<std::string>& streams) {
  std::string text(kTokenVersion);
  for (const Cursor& cursor : cursors) {
    if (cursor.exhausted && cursor.buffered.empty()) continue;
    text += "\n" + std::to_string(cursor.resume()) + "\t" + PercentEncode(streams[cursor.stream]);
  }
  return Base64Encode(text);
}

// Stream name -> offset to go on from.
absl::StatusOr<std::map<std::string, uint64_t>> DecodeToken(std::string_view token) {
  const absl::Status invalid = InvalidParameter("The specified nextToken is invalid.");
  auto text = Base64Decode(token);
  if (!text.ok()) return invalid;
  std::string_view rest = *text;
  if (!rest.starts_with(kTokenVersion)) return invalid;
  rest.remove_prefix(kTokenVersion.size());
  std::map<std::string, uint64_t> offsets;
  while (!rest.empty()) {
    if (rest.front() != '\n') return invalid;
    rest.remove_prefix(1);
    const size_t tab = rest.find('\t');
    if (tab == std::string_view::npos) return invalid;
    uint64_t offset = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + tab, offset);
    if (error != std::errc() || end != rest.data() + tab) return invalid;
    rest.remove_prefix(tab + 1);
    const size_t line_end = std::min(rest.find('\n'), rest.size());
    offsets[PercentDecode(rest.substr(0, line_end))] = offset;
    rest.remove_prefix(line_end);
  }
  return offsets;
}

}  // namespace

absl::StatusOr<EventSearchPage> SearchEvents(storage::LogStore& store, const EventSearch& search) {
  std::optional<std::map<std::string, uint64_t>> resume;
  if (search.next_token) {
    auto decoded = DecodeToken(*search.next_token);
    if (!decoded.ok()) return decoded.status();
    resume = *std::move(decoded);
  }
  auto streams = store.ListStreams(search.group);
  if (!streams.ok()) return GroupNotFound();

  EventSearchPage page;
  std::vector<Cursor> cursors;
  for (const storage::LogStreamInfo& stream : *streams) {
    if (!search.stream_names.empty() &&
        std::find(search.stream_names.begin(), search.stream_names.end(), stream.name) ==
            search.stream_names.end()) {
      continue;
    }
    if (search.stream_prefix && !stream.name.starts_with(*search.stream_prefix)) continue;
    Cursor cursor{.stream = page.streams.size(),
                  .stream_id = stream.id,
                  .next_offset = stream.first_event_offset,
                  .end_offset = stream.end_offset};
    if (resume) {
      auto found = resume->find(stream.name);
      if (found == resume->end()) continue;  // finished in an earlier page
      if (!store.IsEventBoundary(search.group, stream.name, found->second)) {
        return InvalidParameter("The specified nextToken is invalid.");
      }
      cursor.next_offset = found->second;
    } else if (!stream.first_event_millis || *stream.last_event_millis < search.start_millis ||
               *stream.first_event_millis > search.end_millis) {
      // No event of this stream can be in the range (events are appended with timestamps
      // within the stream's first and last).
      page.streams.push_back(stream.name);
      continue;
    }
    page.streams.push_back(stream.name);
    cursors.push_back(std::move(cursor));
  }

  const bool match_all = search.pattern == nullptr || search.pattern->MatchesEverything();
  auto fill = [&](Cursor& cursor) -> absl::Status {
    while (cursor.buffered.empty() && !cursor.exhausted) {
      auto next = store.ReadStream(search.group, page.streams[cursor.stream], cursor.next_offset,
                                   cursor.end_offset, [&](const storage::LogEvent& event) {
                                     if (event.timestamp_millis >= search.start_millis &&
                                         event.timestamp_millis <= search.end_millis &&
                                         (match_all || search.pattern->Matches(event.message))) {
                                       cursor.buffered.push_back(event);
                                     }
                                     return cursor.buffered.size() < kEventsPerRead;
                                   });
      if (!next.ok()) {
        if (absl::IsNotFound(next.status())) {  // deleted meanwhile
          cursor.exhausted = true;
          return absl::OkStatus();
        }
        return next.status();
      }
      if (*next >= cursor.end_offset || *next == cursor.next_offset) cursor.exhausted = true;
      cursor.next_offset = *next;
    }
    return absl::OkStatus();
  };

  // Merge: the earliest buffered event of all streams next.
  auto later = [&](size_t a, size_t b) {
    const storage::LogEvent& x = cursors[a].buffered.front();
    const storage::LogEvent& y = cursors[b].buffered.front();
    if (x.timestamp_millis != y.timestamp_millis) return x.timestamp_millis > y.timestamp_millis;
    if (x.ingestion_millis != y.ingestion_millis) return x.ingestion_millis > y.ingestion_millis;
    if (cursors[a].stream != cursors[b].stream) return cursors[a].stream > cursors[b].stream;
    return x.offset > y.offset;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heads(later);
  for (size_t i = 0; i < cursors.size(); ++i) {
    if (auto status = fill(cursors[i]); !status.ok()) return status;
    if (!cursors[i].buffered.empty()) heads.push(i);
  }
  size_t bytes = 0;
  while (!heads.empty() && page.events.size() < search.limit && bytes < kMaxPageBytes) {
    const size_t index = heads.top();
    heads.pop();
    Cursor& cursor = cursors[index];
    bytes += cursor.buffered.front().message.size() + 26;
    page.events.push_back({.stream = cursor.stream,
                           .stream_id = cursor.stream_id,
                           .event = std::move(cursor.buffered.front())});
    cursor.buffered.pop_front();
    if (auto status = fill(cursor); !status.ok()) return status;
    if (!cursor.buffered.empty()) heads.push(index);
  }
  const bool more = std::any_of(cursors.begin(), cursors.end(), [](const Cursor& cursor) {
    return !cursor.buffered.empty() || !cursor.exhausted;
  });
  if (more) page.next_token = EncodeToken(cursors, page.streams);
  return page;
}

}  // namespace serval::logs
