#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace serval {

// An absl::Status that also names the AWS error code clients should see ("ValidationException").
// The status code stays meaningful on its own; the protocol's error writer (protocol/errors.h)
// turns both into the wire shape in one place. Thread-safe (pure functions).
absl::Status AwsError(absl::StatusCode code, std::string_view aws_code, std::string_view message);

// The AWS error code attached by AwsError, or empty.
std::string AwsErrorCode(const absl::Status& status);

// Decorations an error writer renders, for the errors whose wire form needs more than a code and
// a message. Each returns `status` with the decoration attached.
//
// The HTTP status, when the protocol's default for the status code is not the one AWS uses
// (an authentication failure's 403, say).
absl::Status WithHttpStatus(absl::Status status, int http_status);
std::optional<int> ExplicitHttpStatus(const absl::Status& status);
// A member of the error body beside code and message: a JSON member, or an XML element inside
// <Error> (Lambda's "Reason" of a throttle, S3's <Key> or <StringToSign>).
absl::Status WithErrorField(absl::Status status, std::string_view name, std::string_view value);
// A JSON member of the error body holding a document rather than a string (DynamoDB's
// CancellationReasons and Item): `json_text` is inserted parsed. Only the JSON families render it.
absl::Status WithErrorDocument(absl::Status status, std::string_view name,
                               std::string_view json_text);
// A header of the error response (Retry-After).
absl::Status WithErrorHeader(absl::Status status, std::string_view name, std::string_view value);
// The fields and headers attached, sorted by name.
std::vector<std::pair<std::string, std::string>> ErrorFields(const absl::Status& status);
std::vector<std::pair<std::string, std::string>> ErrorHeaders(const absl::Status& status);
std::vector<std::pair<std::string, std::string>> ErrorDocuments(const absl::Status& status);

}  // namespace serval
