#pragma once

#include <cstdint>
#include <string>

namespace serval {

// Formatting of epoch-millisecond timestamps in the shapes AWS uses. Thread-safe.

// "2020-04-10T19:06:32.563+0000": Lambda's LastModified.
std::string FormatLambdaTimestamp(int64_t epoch_millis);

// "2020-04-10T19:06:32.563Z": ISO 8601 UTC with milliseconds.
std::string FormatIso8601Millis(int64_t epoch_millis);

// "2020/04/10": the date prefix of a Lambda log stream name.
std::string FormatLogStreamDate(int64_t epoch_millis);

}  // namespace serval
