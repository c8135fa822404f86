#include "services/s3/cors.h"

#include "absl/strings/str_join.h"
#include "common/text.h"
#include "protocol/xml_reader.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"

namespace serval::s3 {
namespace {

constexpr std::string_view kMethods[] = {"GET", "PUT", "HEAD", "POST", "DELETE"};

// S3 allows at most one '*' in an origin or header pattern; it matches any run of characters.
bool PatternMatches(std::string_view pattern, std::string_view text, bool case_insensitive) {
  std::string p(pattern), t(text);
  if (case_insensitive) {
    p = AsciiToLower(p);
    t = AsciiToLower(t);
  }
  const size_t star = p.find('*');
  if (star == std::string::npos) return p == t;
  const std::string_view head = std::string_view(p).substr(0, star);
  const std::string_view tail = std::string_view(p).substr(star + 1);
  return t.size() >= head.size() + tail.size() && std::string_view(t).starts_with(head) &&
         std::string_view(t).ends_with(tail);
}

std::vector<std::string> Texts(const protocol::XmlElement& rule, std::string_view name) {
  std::vector<std::string> out;
  for (const protocol::XmlElement* child : rule.Children(name)) {
    out.emplace_back(TrimBlanks(child->text));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<CorsRule>> ParseCorsXml(std::string_view body) {
  auto document = protocol::ParseXml(body);
  if (!document.ok()) return document.status();
  if (document->name != "CORSConfiguration") return protocol::MalformedXml();
  std::vector<CorsRule> rules;
  for (const protocol::XmlElement* element : document->Children("CORSRule")) {
    CorsRule rule;
    rule.id = std::string(element->ChildText("ID").value_or(""));
    rule.allowed_origins = Texts(*element, "AllowedOrigin");
    rule.allowed_methods = Texts(*element, "AllowedMethod");
    rule.allowed_headers = Texts(*element, "AllowedHeader");
    rule.expose_headers = Texts(*element, "ExposeHeader");
    if (std::optional<std::string_view> max_age = element->ChildText("MaxAgeSeconds")) {
      int seconds = 0;
      if (!ParseDecimal(*max_age, &seconds)) return protocol::MalformedXml();
      rule.max_age_seconds = seconds;
    }
    if (rule.allowed_origins.empty() || rule.allowed_methods.empty()) {
      return protocol::MalformedXml();
    }
    for (const std::string& method : rule.allowed_methods) {
      if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
        return InvalidRequest(
            "Found unsupported HTTP method in CORS config. Unsupported method is " + method);
      }
    }
    rules.push_back(std::move(rule));
  }
  if (rules.empty() || rules.size() > 100) return protocol::MalformedXml();
  return rules;
}

protocol::XmlWriter CorsXml(const std::vector<CorsRule>& rules) {
  protocol::XmlWriter xml;
  xml.Declaration().Open("CORSConfiguration", kS3Namespace);
  for (const CorsRule& rule : rules) {
    xml.Open("CORSRule");
    if (!rule.id.empty()) xml.Element("ID", rule.id);
    for (const std::string& header : rule.allowed_headers) xml.Element("AllowedHeader", header);
    for (const std::string& method : rule.allowed_methods) xml.Element("AllowedMethod", method);
    for (const std::string& origin : rule.allowed_origins) xml.Element("AllowedOrigin", origin);
    for (const std::string& header : rule.expose_headers) xml.Element("ExposeHeader", header);
    if (rule.max_age_seconds) xml.Element("MaxAgeSeconds", std::to_string(*rule.max_age_seconds));
    xml.Close("CORSRule");
  }
  xml.Close("CORSConfiguration");
  return xml;
}

std::optional<std::vector<std::pair<std::string, std::string>>> CorsHeaders(
    const std::vector<CorsRule>& rules, std::string_view origin, std::string_view method,
    std::string_view request_headers) {
  for (const CorsRule& rule : rules) {
    const bool origin_ok = std::any_of(
        rule.allowed_origins.begin(), rule.allowed_origins.end(),
        [&](const std::string& allowed) { return PatternMatches(allowed, origin, false); });
    const bool method_ok = std::find(rule.allowed_methods.begin(), rule.allowed_methods.end(),
                                     method) != rule.allowed_methods.end();
    if (!origin_ok || !method_ok) continue;
    bool headers_ok = true;
    for (std::string_view header : SplitOn(request_headers, ',')) {
      header = TrimBlanks(header);
      if (header.empty()) continue;
      headers_ok = std::any_of(
          rule.allowed_headers.begin(), rule.allowed_headers.end(),
          [&](const std::string& allowed) { return PatternMatches(allowed, header, true); });
      if (!headers_ok) break;
    }
    if (!headers_ok) continue;
    const bool any_origin = rule.allowed_origins.size() == 1 && rule.allowed_origins[0] == "*";
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Access-Control-Allow-Origin", any_origin ? "*" : std::string(origin)},
        {"Access-Control-Allow-Methods", absl::StrJoin(rule.allowed_methods, ", ")},
        {"Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"}};
    if (!any_origin) headers.emplace_back("Access-Control-Allow-Credentials", "true");
    if (!request_headers.empty()) {
      headers.emplace_back("Access-Control-Allow-Headers", AsciiToLower(request_headers));
    }
    if (!rule.expose_headers.empty()) {
      headers.emplace_back("Access-Control-Expose-Headers",
                           absl::StrJoin(rule.expose_headers, ", "));
    }
    if (rule.max_age_seconds) {
      headers.emplace_back("Access-Control-Max-Age", std::to_string(*rule.max_age_seconds));
    }
    return headers;
  }
  return std::nullopt;
}

}  // namespace serval::s3
