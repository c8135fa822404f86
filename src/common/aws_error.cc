#include "common/aws_error.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/match.h"

namespace serval {
namespace {

// Payload type URLs. A field or header is one payload each, its name after the prefix.
constexpr std::string_view kAwsCodeUrl = "serval/aws-error-code";
constexpr std::string_view kHttpStatusUrl = "serval/http-status";
constexpr std::string_view kFieldPrefix = "serval/error-field/";
constexpr std::string_view kHeaderPrefix = "serval/error-header/";
constexpr std::string_view kDocumentPrefix = "serval/error-document/";

// Debian's abseil has its own string_view, so convert explicitly.
absl::string_view Absl(std::string_view text) { return {text.data(), text.size()}; }

absl::Status WithPayload(absl::Status status, std::string_view url, std::string_view value) {
  status.SetPayload(Absl(url), absl::Cord(Absl(value)));
  return status;
}

std::vector<std::pair<std::string, std::string>> PayloadsUnder(const absl::Status& status,
                                                               std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> found;
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& value) {
    if (absl::StartsWith(url, Absl(prefix))) {
      found.emplace_back(std::string(url.substr(prefix.size())), std::string(value));
    }
  });
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

absl::Status AwsError(absl::StatusCode code, std::string_view aws_code, std::string_view message) {
  return WithPayload(absl::Status(code, Absl(message)), kAwsCodeUrl, aws_code);
}

std::string AwsErrorCode(const absl::Status& status) {
  auto payload = status.GetPayload(Absl(kAwsCodeUrl));
  return payload ? std::string(*payload) : std::string();
}

absl::Status WithHttpStatus(absl::Status status, int http_status) {
  return WithPayload(std::move(status), kHttpStatusUrl, std::to_string(http_status));
}

std::optional<int> ExplicitHttpStatus(const absl::Status& status) {
  auto payload = status.GetPayload(Absl(kHttpStatusUrl));
  if (!payload) return std::nullopt;
  return std::atoi(std::string(*payload).c_str());
}

absl::Status WithErrorField(absl::Status status, std::string_view name, std::string_view value) {
  return WithPayload(std::move(status), std::string(kFieldPrefix) + std::string(name), value);
}

absl::Status WithErrorDocument(absl::Status status, std::string_view name,
                               std::string_view json_text) {
  return WithPayload(std::move(status), std::string(kDocumentPrefix) + std::string(name),
                     json_text);
}

absl::Status WithErrorHeader(absl::Status status, std::string_view name, std::string_view value) {
  return WithPayload(std::move(status), std::string(kHeaderPrefix) + std::string(name), value);
}

std::vector<std::pair<std::string, std::string>> ErrorFields(const absl::Status& status) {
  return PayloadsUnder(status, kFieldPrefix);
}

std::vector<std::pair<std::string, std::string>> ErrorHeaders(const absl::Status& status) {
  return PayloadsUnder(status, kHeaderPrefix);
}

std::vector<std::pair<std::string, std::string>> ErrorDocuments(const absl::Status& status) {
  return PayloadsUnder(status, kDocumentPrefix);
}

}  // namespace serval
