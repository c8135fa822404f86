#include "services/ec2/ec2_request.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/text.h"
#include "fmt/format.h"
#include "services/ec2/ec2_errors.h"

namespace serval::ec2 {
namespace {

constexpr int64_t kMinResults = 5;
constexpr int64_t kMaxResults = 1000;
// NextToken is base64 of this prefix and the position: opaque to clients, as AWS's are.
constexpr std::string_view kTokenPrefix = "serval-ec2-page:";

}  // namespace

std::vector<std::string> ReadList(const protocol::QueryRequest& request, std::string_view name) {
  std::vector<std::string> values;
  for (auto& [index, member] : protocol::QueryMembers(request.parameters, name)) {
    auto value = member.find("");
    if (value != member.end()) values.push_back(value->second);
  }
  return values;
}

absl::StatusOr<bool> ReadBool(const protocol::QueryRequest& request, std::string_view name,
                              bool fallback) {
  const std::optional<std::string> text = request.Get(name);
  if (!text) return fallback;
  if (EqualsIgnoreCase(*text, "true")) return true;
  if (EqualsIgnoreCase(*text, "false")) return false;
  return InvalidParameterValue(fmt::format("Invalid value '{}' for {}", *text, name));
}

absl::StatusOr<std::optional<int64_t>> ReadInt(const protocol::QueryRequest& request,
                                               std::string_view name) {
  const std::optional<std::string> text = request.Get(name);
  if (!text) return std::nullopt;
  int64_t value = 0;
  if (!ParseDecimal(*text, &value)) {
    return InvalidParameterValue(fmt::format("Invalid value '{}' for {}", *text, name));
  }
  return value;
}

absl::Status CheckKnownParameters(const protocol::QueryRequest& request,
                                  std::span<const std::string_view> known) {
  for (const auto& [name, value] : request.parameters) {
    const std::string_view top = std::string_view(name).substr(0, name.find('.'));
    if (top == "Action" || top == "Version" || top.starts_with("X-Amz-")) continue;
    if (std::find(known.begin(), known.end(), top) == known.end()) return UnknownParameter(top);
  }
  return absl::OkStatus();
}

absl::StatusOr<Page> ReadPage(const protocol::QueryRequest& request, bool has_ids,
                              std::string_view ids_parameter) {
  absl::StatusOr<std::optional<int64_t>> max_results = ReadInt(request, "MaxResults");
  if (!max_results.ok()) return max_results.status();
  Page page{.max_results = *max_results, .next_token = request.Get("NextToken")};
  if (!page.max_results) return page;
  if (has_ids) {
    return InvalidParameterCombination(fmt::format(
        "The parameter {} cannot be used with the parameter maxResults", ids_parameter));
  }
  if (*page.max_results < kMinResults) {
    return InvalidParameterValue(fmt::format(
        "Value ( {} ) for parameter maxResults is invalid. Expecting a value greater than {}.",
        *page.max_results, kMinResults));
  }
  if (*page.max_results > kMaxResults) {
    return InvalidParameterValue(fmt::format(
        "Value ( {} ) for parameter maxResults is invalid. Expecting a value less than {}.",
        *page.max_results, kMaxResults));
  }
  return page;
}

std::string EncodeNextToken(std::string_view position) {
  return Base64Encode(std::string(kTokenPrefix) + std::string(position));
}

absl::StatusOr<std::string> DecodeNextToken(std::string_view token) {
  absl::StatusOr<std::string> text = Base64Decode(token);
  if (!text.ok() || !text->starts_with(kTokenPrefix)) {
    return ClientError("InvalidPaginationToken",
                       "The specified pagination token is not valid or is expired.");
  }
  return text->substr(kTokenPrefix.size());
}

}  // namespace serval::ec2
