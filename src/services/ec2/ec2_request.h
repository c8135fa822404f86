#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "protocol/query.h"

namespace serval::ec2 {

// Readers of EC2's query parameters: lists are "Name.N" (no ".member"), booleans "true" or
// "false". Thread-safe (pure functions).

// The values of the list `name` ("InstanceId" for InstanceId.1, InstanceId.2, ...), in index
// order.
std::vector<std::string> ReadList(const protocol::QueryRequest& request, std::string_view name);
// A boolean parameter; `fallback` when absent, InvalidParameterValue when not true or false.
absl::StatusOr<bool> ReadBool(const protocol::QueryRequest& request, std::string_view name,
                              bool fallback = false);
// An integer parameter; nullopt when absent, InvalidParameterValue when not an integer.
absl::StatusOr<std::optional<int64_t>> ReadInt(const protocol::QueryRequest& request,
                                               std::string_view name);
// UnknownParameter for the first parameter whose name (up to its first '.') is not in `known`,
// Action, Version, or a presigned request's X-Amz-*.
absl::Status CheckKnownParameters(const protocol::QueryRequest& request,
                                  std::span<const std::string_view> known);
// MaxResults (5 to 1000 as EC2 allows; nullopt when absent) and NextToken, for the Describe
// operations that page. InvalidParameterCombination with `ids_parameter` ("instancesSet") when
// `has_ids` and MaxResults is set.
struct Page {
  std::optional<int64_t> max_results;
  std::optional<std::string> next_token;
};
absl::StatusOr<Page> ReadPage(const protocol::QueryRequest& request, bool has_ids,
                              std::string_view ids_parameter);

// NextToken's text for `position` (where the next page starts, in the operation's own terms),
// and back: InvalidPaginationToken for a token Serval did not make.
std::string EncodeNextToken(std::string_view position);
absl::StatusOr<std::string> DecodeNextToken(std::string_view token);

}  // namespace serval::ec2
