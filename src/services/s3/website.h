#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "protocol/xml.h"

namespace serval::s3 {

// A bucket's website configuration (PutBucketWebsite) and the pieces of the website endpoint's
// answers that do not touch storage: which routing rule applies, where a redirect goes, and
// S3's HTML error pages. Thread-safe (pure functions over values).

struct WebsiteRedirect {
  std::string host_name;  // empty: the host the request was sent to
  std::string protocol;   // "http", "https"; empty: the request's
  std::optional<std::string> replace_key_with;
  std::optional<std::string> replace_key_prefix_with;
  std::string http_redirect_code;  // empty: 301
};

struct WebsiteRoutingRule {
  std::optional<std::string> key_prefix_equals;
  std::optional<std::string> http_error_code_returned_equals;
  WebsiteRedirect redirect;
};

struct WebsiteConfiguration {
  std::string index_suffix;                     // IndexDocument/Suffix
  std::string error_key;                        // ErrorDocument/Key; empty: S3's own pages
  std::optional<WebsiteRedirect> redirect_all;  // RedirectAllRequestsTo (HostName, Protocol)
  std::vector<WebsiteRoutingRule> routing_rules;
};

// A PutBucketWebsite body, checked as S3 checks it: MalformedXML, InvalidArgument (no index
// document, a suffix with '/', RedirectAllRequestsTo beside other settings) or InvalidRequest
// (a bad protocol or redirect code, both ReplaceKey forms, an empty Condition, over 50 rules).
absl::StatusOr<WebsiteConfiguration> ParseWebsiteXml(std::string_view body);
// The GetBucketWebsite answer (also how the configuration is stored).
protocol::XmlWriter WebsiteXml(const WebsiteConfiguration& configuration);

// The first routing rule that applies to a request for `key`: before the object is looked up
// (`error_code` 0) the rules without an error-code condition, after an error the rules whose
// error code it is. A KeyPrefixEquals condition must match as well.
const WebsiteRoutingRule* MatchRoutingRule(const WebsiteConfiguration& configuration,
                                           std::string_view key, int error_code);

// Where the website endpoint sends a client, and with which status.
struct WebsiteRedirectAnswer {
  int status = 301;
  std::string location;
};
// The redirect of `rule` for a request for `key` that came to `host`
// ("bucket.s3-website.localhost:4566"); `root` is what the website's keys sit under on that host
// ("" or "/_website/bucket"), kept when the redirect stays on the same host.
WebsiteRedirectAnswer RoutingRuleRedirect(const WebsiteRoutingRule& rule, std::string_view key,
                                          std::string_view host, std::string_view root);
// RedirectAllRequestsTo: the same key and query on the configured host.
WebsiteRedirectAnswer RedirectAll(const WebsiteRedirect& redirect, std::string_view key,
                                  std::string_view raw_query);

// A key as it appears in a URL path: bytes outside the unreserved set and '/' escaped.
std::string WebsiteKeyPath(std::string_view key);

// An error the website endpoint answers with an HTML page (or the custom error document).
struct WebsiteError {
  int status = 404;
  std::string code;
  std::string message;
  std::vector<std::pair<std::string, std::string>> fields;  // Key, BucketName, Method, ...
};

// S3's HTML error page of the website endpoint: the status line as title and heading, then
// Code, Message, the fields, RequestId and HostId as a list; when the custom error document
// could not be read either, a second list saying why.
std::string WebsiteErrorPage(const WebsiteError& error, std::string_view request_id,
                             std::string_view missing_error_document = {});

}  // namespace serval::s3
