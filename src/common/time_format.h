#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace serval {

// Formatting of epoch-millisecond timestamps in the shapes AWS uses. Thread-safe.

// "2020-04-10T19:06:32.563+0000": Lambda's LastModified.
std::string FormatLambdaTimestamp(int64_t epoch_millis);

// "2020-04-10T19:06:32.563Z": ISO 8601 UTC with milliseconds.
std::string FormatIso8601Millis(int64_t epoch_millis);

// "2020/04/10": the date prefix of a Lambda log stream name.
std::string FormatLogStreamDate(int64_t epoch_millis);

// "Wed, 12 Oct 2009 17:50:00 GMT": an HTTP date (RFC 9110 IMF-fixdate), as Last-Modified and
// Expires carry it. Sub-second parts are dropped.
std::string FormatHttpDate(int64_t epoch_millis);
// An IMF-fixdate ("GMT" zone) as epoch milliseconds, or nullopt when `text` is not one.
std::optional<int64_t> ParseHttpDateMillis(std::string_view text);

}  // namespace serval
