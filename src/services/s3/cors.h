#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "http/message.h"
#include "protocol/xml.h"

namespace serval::s3 {

// A bucket's CORS configuration, and the answers it gives browsers. Thread-safe (pure).
struct CorsRule {
  std::string id;
  std::vector<std::string> allowed_origins;  // may hold one '*' wildcard each
  std::vector<std::string> allowed_methods;  // GET PUT HEAD POST DELETE
  std::vector<std::string> allowed_headers;  // may hold '*' wildcards
  std::vector<std::string> expose_headers;
  std::optional<int> max_age_seconds;
};

// A PutBucketCors body: MalformedXML, or InvalidRequest for a method S3 does not know.
absl::StatusOr<std::vector<CorsRule>> ParseCorsXml(std::string_view body);
// The GetBucketCors answer (also how the configuration is stored).
protocol::XmlWriter CorsXml(const std::vector<CorsRule>& rules);

// The Access-Control-* headers for a request from `origin` using `method` with
// `request_headers` (the preflight's Access-Control-Request-Headers, comma-separated): those of
// the first rule that allows it, or nullopt when none does.
std::optional<std::vector<std::pair<std::string, std::string>>> CorsHeaders(
    const std::vector<CorsRule>& rules, std::string_view origin, std::string_view method,
    std::string_view request_headers);

}  // namespace serval::s3
