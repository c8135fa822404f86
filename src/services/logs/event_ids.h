#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace serval::logs {

// The identifiers CloudWatch Logs hands out for events and positions, all 56 decimal digits as
// AWS's are, made from what identifies an event for good: its stream's id and the offset of its
// line in the stream's file (docs/formats.md). Thread-safe (pure functions).

// An event's eventId (FilterLogEvents, subscription deliveries): stream id, offset, timestamp.
std::string EventId(uint64_t stream_id, uint64_t offset, int64_t timestamp_millis);
// A stream's uploadSequenceToken / PutLogEvents' nextSequenceToken (ignored when sent back).
std::string SequenceToken(uint64_t stream_id, uint64_t end_offset);

// GetLogEvents' nextForwardToken "f/<offset>" and nextBackwardToken "b/<offset>".
struct ReadPosition {
  bool forward = true;
  uint64_t offset = 0;
};
std::string FormatReadPosition(const ReadPosition& position);
// nullopt for anything this did not make.
std::optional<ReadPosition> ParseReadPosition(std::string_view token);

}  // namespace serval::logs
