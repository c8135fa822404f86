#include "services/s3/website.h"

#include <fmt/format.h>

#include "common/percent_encoding.h"
#include "common/text.h"
#include "protocol/xml_reader.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"

namespace serval::s3 {
namespace {

constexpr size_t kMaxRoutingRules = 50;

absl::Status BadProtocol() {
  return InvalidRequest(
      "Invalid protocol, protocol can be http or https. If not defined the protocol will be "
      "selected automatically.");
}

std::optional<std::string> Text(const protocol::XmlElement& element, std::string_view name) {
  std::optional<std::string_view> text = element.ChildText(name);
  if (!text) return std::nullopt;
  return std::string(TrimBlanks(*text));
}

absl::StatusOr<WebsiteRedirect> ParseRedirect(const protocol::XmlElement& element) {
  WebsiteRedirect redirect;
  redirect.host_name = Text(element, "HostName").value_or("");
  redirect.protocol = Text(element, "Protocol").value_or("");
  redirect.replace_key_with = Text(element, "ReplaceKeyWith");
  redirect.replace_key_prefix_with = Text(element, "ReplaceKeyPrefixWith");
  redirect.http_redirect_code = Text(element, "HttpRedirectCode").value_or("");
  if (!redirect.protocol.empty() && redirect.protocol != "http" && redirect.protocol != "https") {
    return BadProtocol();
  }
  if (redirect.replace_key_with && redirect.replace_key_prefix_with) {
    return InvalidRequest("You can only define ReplaceKeyPrefix or ReplaceKey but not both.");
  }
  if (!redirect.http_redirect_code.empty()) {
    int code = 0;
    if (!ParseDecimal(redirect.http_redirect_code, &code) || code < 301 || code > 399) {
      return InvalidRequest(fmt::format(
          "The provided HTTP redirect code ({}) is not valid. Valid codes are 3XX except 300.",
          redirect.http_redirect_code));
    }
  }
  return redirect;
}

absl::StatusOr<WebsiteRoutingRule> ParseRoutingRule(const protocol::XmlElement& element) {
  WebsiteRoutingRule rule;
  const protocol::XmlElement* redirect = element.Child("Redirect");
  if (redirect == nullptr) return protocol::MalformedXml();
  if (const protocol::XmlElement* condition = element.Child("Condition")) {
    rule.key_prefix_equals = Text(*condition, "KeyPrefixEquals");
    rule.http_error_code_returned_equals = Text(*condition, "HttpErrorCodeReturnedEquals");
    if (!rule.key_prefix_equals && !rule.http_error_code_returned_equals) {
      return InvalidRequest(
          "Condition cannot be empty. To redirect all requests without a condition, the "
          "condition element shouldn't be present.");
    }
    if (rule.http_error_code_returned_equals) {
      int code = 0;
      if (!ParseDecimal(*rule.http_error_code_returned_equals, &code) || code < 400 || code > 599) {
        return InvalidRequest(
            fmt::format("The provided HTTP error code ({}) is not valid. Valid codes are 4XX or "
                        "5XX.",
                        *rule.http_error_code_returned_equals));
      }
    }
  }
  auto parsed = ParseRedirect(*redirect);
  if (!parsed.ok()) return parsed.status();
  rule.redirect = *std::move(parsed);
  return rule;
}

void WriteRedirect(protocol::XmlWriter& xml, const WebsiteRedirect& redirect, bool all) {
  if (!redirect.host_name.empty()) xml.Element("HostName", redirect.host_name);
  if (!all && !redirect.http_redirect_code.empty()) {
    xml.Element("HttpRedirectCode", redirect.http_redirect_code);
  }
  if (!redirect.protocol.empty()) xml.Element("Protocol", redirect.protocol);
  if (redirect.replace_key_prefix_with) {
    xml.Element("ReplaceKeyPrefixWith", *redirect.replace_key_prefix_with);
  }
  if (redirect.replace_key_with) xml.Element("ReplaceKeyWith", *redirect.replace_key_with);
}

}  // namespace

absl::StatusOr<WebsiteConfiguration> ParseWebsiteXml(std::string_view body) {
  auto document = protocol::ParseXml(body);
  if (!document.ok()) return document.status();
  if (document->name != "WebsiteConfiguration") return protocol::MalformedXml();
  WebsiteConfiguration configuration;
  const protocol::XmlElement* index = document->Child("IndexDocument");
  const protocol::XmlElement* error = document->Child("ErrorDocument");
  const protocol::XmlElement* rules = document->Child("RoutingRules");
  if (const protocol::XmlElement* all = document->Child("RedirectAllRequestsTo")) {
    if (index != nullptr || error != nullptr || rules != nullptr) {
      return InvalidArgument(
          "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
          "RedirectAllRequestsTo", "not null");
    }
    if (!all->Child("HostName")) return protocol::MalformedXml();
    auto redirect = ParseRedirect(*all);
    if (!redirect.ok()) return redirect.status();
    if (redirect->host_name.empty()) return protocol::MalformedXml();
    configuration.redirect_all =
        WebsiteRedirect{.host_name = redirect->host_name, .protocol = redirect->protocol};
    return configuration;
  }
  if (index == nullptr) {
    return InvalidArgument(
        "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
        "IndexDocument", "null");
  }
  configuration.index_suffix = Text(*index, "Suffix").value_or("");
  if (configuration.index_suffix.empty() ||
      configuration.index_suffix.find('/') != std::string::npos) {
    return InvalidArgument("The IndexDocument Suffix is not well formed", "IndexDocument",
                           configuration.index_suffix);
  }
  if (error != nullptr) {
    configuration.error_key = Text(*error, "Key").value_or("");
    if (configuration.error_key.empty()) return protocol::MalformedXml();
  }
  if (rules != nullptr) {
    const std::vector<const protocol::XmlElement*> elements = rules->Children("RoutingRule");
    if (elements.empty()) return protocol::MalformedXml();
    if (elements.size() > kMaxRoutingRules) {
      return InvalidRequest(
          fmt::format("{} routing rules were given; a website configuration may have at most {}.",
                      elements.size(), kMaxRoutingRules));
    }
    for (const protocol::XmlElement* element : elements) {
      auto rule = ParseRoutingRule(*element);
      if (!rule.ok()) return rule.status();
      configuration.routing_rules.push_back(*std::move(rule));
    }
  }
  return configuration;
}

protocol::XmlWriter WebsiteXml(const WebsiteConfiguration& configuration) {
  protocol::XmlWriter xml;
  xml.Declaration().Open("WebsiteConfiguration", kS3Namespace);
  if (configuration.redirect_all) {
    xml.Open("RedirectAllRequestsTo");
    WriteRedirect(xml, *configuration.redirect_all, /*all=*/true);
    xml.Close("RedirectAllRequestsTo");
  }
  if (!configuration.index_suffix.empty()) {
    xml.Open("IndexDocument").Element("Suffix", configuration.index_suffix).Close("IndexDocument");
  }
  if (!configuration.error_key.empty()) {
    xml.Open("ErrorDocument").Element("Key", configuration.error_key).Close("ErrorDocument");
  }
  if (!configuration.routing_rules.empty()) {
    xml.Open("RoutingRules");
    for (const WebsiteRoutingRule& rule : configuration.routing_rules) {
      xml.Open("RoutingRule");
      if (rule.key_prefix_equals || rule.http_error_code_returned_equals) {
        xml.Open("Condition");
        if (rule.http_error_code_returned_equals) {
          xml.Element("HttpErrorCodeReturnedEquals", *rule.http_error_code_returned_equals);
        }
        if (rule.key_prefix_equals) xml.Element("KeyPrefixEquals", *rule.key_prefix_equals);
        xml.Close("Condition");
      }
      xml.Open("Redirect");
      WriteRedirect(xml, rule.redirect, /*all=*/false);
      xml.Close("Redirect").Close("RoutingRule");
    }
    xml.Close("RoutingRules");
  }
  xml.Close("WebsiteConfiguration");
  return xml;
}

const WebsiteRoutingRule* MatchRoutingRule(const WebsiteConfiguration& configuration,
                                           std::string_view key, int error_code) {
  for (const WebsiteRoutingRule& rule : configuration.routing_rules) {
    if (rule.key_prefix_equals && !key.starts_with(*rule.key_prefix_equals)) continue;
    if (rule.http_error_code_returned_equals) {
      if (*rule.http_error_code_returned_equals != std::to_string(error_code)) continue;
    } else if (error_code != 0) {
      continue;  // applied before the object was looked up
    }
    return &rule;
  }
  return nullptr;
}

std::string WebsiteKeyPath(std::string_view key) {
  std::string out;
  for (const char c : key) {
    if (c == '/' || IsUnreserved(static_cast<unsigned char>(c))) {
      out.push_back(c);
    } else {
      AppendEncodedByte(static_cast<unsigned char>(c), &out);
    }
  }
  return out;
}

WebsiteRedirectAnswer RoutingRuleRedirect(const WebsiteRoutingRule& rule, std::string_view key,
                                          std::string_view host, std::string_view root) {
  const WebsiteRedirect& redirect = rule.redirect;
  std::string target(key);
  if (redirect.replace_key_with) {
    target = *redirect.replace_key_with;
  } else if (redirect.replace_key_prefix_with) {
    const size_t matched = rule.key_prefix_equals ? rule.key_prefix_equals->size() : 0;
    target = *redirect.replace_key_prefix_with + std::string(key.substr(matched));
  }
  const bool same_host = redirect.host_name.empty();
  WebsiteRedirectAnswer answer;
  if (!redirect.http_redirect_code.empty() &&
      !ParseDecimal(redirect.http_redirect_code, &answer.status)) {
    answer.status = 301;  // checked when the configuration was put
  }
  answer.location = fmt::format(
      "{}://{}{}/{}", redirect.protocol.empty() ? "http" : redirect.protocol,
      same_host ? host : redirect.host_name, same_host ? root : "", WebsiteKeyPath(target));
  return answer;
}

WebsiteRedirectAnswer RedirectAll(const WebsiteRedirect& redirect, std::string_view key,
                                  std::string_view raw_query) {
  WebsiteRedirectAnswer answer;
  answer.location =
      fmt::format("{}://{}/{}", redirect.protocol.empty() ? "http" : redirect.protocol,
                  redirect.host_name, WebsiteKeyPath(key));
  if (!raw_query.empty()) answer.location += "?" + std::string(raw_query);
  return answer;
}

std::string WebsiteErrorPage(const WebsiteError& error, std::string_view request_id,
                             std::string_view missing_error_document) {
  std::string_view reason = "Error";
  switch (error.status) {
    case 403:
      reason = "Forbidden";
      break;
    case 404:
      reason = "Not Found";
      break;
    case 405:
      reason = "Method Not Allowed";
      break;
    case 500:
      reason = "Internal Server Error";
      break;
    default:
      break;
  }
  const std::string title = fmt::format("{} {}", error.status, reason);
  std::string page = fmt::format(
      "<html>\n<head><title>{0}</title></head>\n<body>\n<h1>{0}</h1>\n<ul>\n"
      "<li>Code: {1}</li>\n<li>Message: {2}</li>\n",
      title, protocol::XmlEscape(error.code), protocol::XmlEscape(error.message));
  for (const auto& [name, value] : error.fields) {
    page += fmt::format("<li>{}: {}</li>\n", name, protocol::XmlEscape(value));
  }
  page += fmt::format("<li>RequestId: {0}</li>\n<li>HostId: {0}</li>\n</ul>\n",
                      protocol::XmlEscape(request_id));
  if (!missing_error_document.empty()) {
    page += fmt::format(
        "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n"
        "<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n"
        "<li>Key: {}</li>\n</ul>\n",
        protocol::XmlEscape(missing_error_document));
  }
  page += "<hr/>\n</body>\n</html>\n";
  return page;
}

}  // namespace serval::s3
