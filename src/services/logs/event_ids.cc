#include "services/logs/event_ids.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace serval::logs {
namespace {

constexpr size_t kDigits = 56;

}  // namespace

std::string EventId(uint64_t stream_id, uint64_t offset, int64_t timestamp_millis) {
  return fmt::format("{:020}{:020}{:016}", stream_id, offset,
                     std::clamp<int64_t>(timestamp_millis, 0, 9999999999999999));
}

std::string SequenceToken(uint64_t stream_id, uint64_t end_offset) {
  return fmt::format("{:036}{:020}", stream_id, end_offset);
}

std::string FormatReadPosition(const ReadPosition& position) {
  return fmt::format("{}/{:056}", position.forward ? 'f' : 'b', position.offset);
}

std::optional<ReadPosition> ParseReadPosition(std::string_view token) {
  if (token.size() != kDigits + 2 || token[1] != '/' || (token[0] != 'f' && token[0] != 'b')) {
    return std::nullopt;
  }
  const std::string_view digits = token.substr(2);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  // Offsets fit in 20 digits; more significant digits must be zeros.
  const std::string_view high = digits.substr(0, kDigits - 20);
  if (high.find_first_not_of('0') != std::string_view::npos) return std::nullopt;
  uint64_t offset = 0;
  const std::string_view low = digits.substr(kDigits - 20);
  const auto [end, error] = std::from_chars(low.data(), low.data() + low.size(), offset);
  if (error != std::errc() || end != low.data() + low.size()) return std::nullopt;
  return ReadPosition{.forward = token[0] == 'f', .offset = offset};
}

}  // namespace serval::logs
