#pragma once

#include <cstdint>
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
// "12/Mar/2020:19:03:58 +0000": the Common Log Format time API Gateway's proxy events carry
// (requestContext.time, requestTime).
std::string FormatClfTime(int64_t epoch_millis);
// "20150830T123600Z": SigV4's X-Amz-Date.
std::string FormatAmzDate(int64_t epoch_seconds);
// "2015-08-30T12:36:00Z": ISO 8601 UTC to the second.
std::string FormatIso8601Seconds(int64_t epoch_seconds);

// The parsers of those forms: epoch seconds, or false when `text` is not one. An HTTP date in
// IMF-fixdate form, "Sun, 06 Nov 1994 08:49:37 GMT"; botocore writes the zone as "-0000"
// (email.utils.formatdate), so the UTC spellings "+0000", "-0000" and "UTC" also pass. No
// allocation: SigV4 parses one per request.
bool ParseAmzDate(std::string_view text, int64_t* epoch_seconds);
bool ParseHttpDate(std::string_view text, int64_t* epoch_seconds);

}  // namespace serval
