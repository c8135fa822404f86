#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "protocol/query.h"

namespace serval::rds {

// Readers of RDS's query parameters, each failing with RDS's own error for a value that does not
// parse. Thread-safe (pure functions).

// The parameter `name`, MissingParameter when it is absent or empty.
absl::StatusOr<std::string> RequiredParameter(const protocol::QueryRequest& request,
                                              std::string_view name);
// The integer `name`, nullopt when absent, InvalidParameterValue when it is not an integer.
absl::StatusOr<std::optional<int64_t>> IntParameter(const protocol::QueryRequest& request,
                                                    std::string_view name);
// The boolean `name` ("true" or "false"), `fallback` when absent.
absl::StatusOr<bool> BoolParameter(const protocol::QueryRequest& request, std::string_view name,
                                   bool fallback);
// The list parameters "Tags.Tag.N.Key"/".Value", checked as RDS checks tags (keys of 1 to 128
// characters not starting with "aws:", values of at most 256).
absl::StatusOr<std::map<std::string, std::string>> ReadTags(const protocol::QueryRequest& request);

}  // namespace serval::rds
