#include "services/apigateway/openapi_integration_import.h"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/text.h"
#include "services/apigateway/openapi_document.h"

namespace serval::apigateway {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 5> kIntegrationTypes = {"AWS", "AWS_PROXY", "HTTP",
                                                               "HTTP_PROXY", "MOCK"};
constexpr std::array<std::string_view, 3> kPassthroughBehaviors = {"WHEN_NO_MATCH",
                                                                   "WHEN_NO_TEMPLATES", "NEVER"};
constexpr std::array<std::string_view, 2> kContentHandlings = {"CONVERT_TO_TEXT",
                                                               "CONVERT_TO_BINARY"};
constexpr std::array<std::string_view, 2> kConnectionTypes = {"INTERNET", "VPC_LINK"};

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// Reads one integration; each failed check is an error naming the method, and the first one
// ends the reading (AWS stops at the first refusal of PutIntegration too).
class IntegrationReader {
 public:
  IntegrationReader(const OperationPlace& place, ImportLog* log) : place_(place), log_(log) {}

  std::optional<Integration> Read(const json::value& extension, const std::string& resource_id);

 private:
  bool Fail(std::string_view what) {
    log_->Error(fmt::format("Unable to put integration on '{}' for resource at path '{}': {}",
                            place_.method, place_.path, what));
    return false;
  }
  bool FailResponse(std::string_view what) {
    log_->Error(
        fmt::format("Unable to put integration response on '{}' for resource at path '{}': {}",
                    place_.method, place_.path, what));
    return false;
  }
  // An enumeration member, upper-cased ("when_no_match" -> "WHEN_NO_MATCH"); `out` keeps its
  // default when the member is absent.
  template <size_t N>
  bool ReadEnum(const json::object& object, std::string_view key,
                const std::array<std::string_view, N>& values, std::string_view what,
                std::string* out);
  bool ReadUri(const json::object& object, Integration* integration);
  // String-to-string maps: entries whose value is not a string are dropped with AWS's warning.
  StringMap ReadStringMap(const json::value* value, std::string_view field);
  bool ReadResponses(const json::value* value, Integration* integration);

  const OperationPlace& place_;
  ImportLog* log_;
};

template <size_t N>
bool IntegrationReader::ReadEnum(const json::object& object, std::string_view key,
                                 const std::array<std::string_view, N>& values,
                                 std::string_view what, std::string* out) {
  const json::value* value = object.if_contains(key);
  if (!value) return true;
  const std::string text = AsciiToUpper(ScalarText(*value));
  if (!OneOf(values, text)) return Fail(fmt::format("Invalid {} specified: {}", what, text));
  *out = text;
  return true;
}

bool IntegrationReader::ReadUri(const json::object& object, Integration* integration) {
  const json::value* uri = object.if_contains("uri");
  integration->uri = uri ? ScalarText(*uri) : "";
  const std::string& type = integration->type;
  if (type == "HTTP" || type == "HTTP_PROXY") {
    const std::string_view text = integration->uri;
    const size_t scheme = StartsWithIgnoreCase(text, "https://")  ? 8
                          : StartsWithIgnoreCase(text, "http://") ? 7
                                                                  : 0;
    if (scheme == 0 || text.size() == scheme || text[scheme] == '/') {
      return Fail("Invalid HTTP endpoint specified for URI");
    }
  } else if (type == "AWS" || type == "AWS_PROXY") {
    // arn:aws:apigateway:REGION:SERVICE:path/... or :action/...
    const std::vector<std::string_view> parts = SplitOn(integration->uri, ':');
    if (parts.size() < 6 || parts[0] != "arn") return Fail("Invalid ARN specified in the request");
    size_t resource_start = 0;
    for (int colon = 0; colon < 5; ++colon)
      resource_start = integration->uri.find(':', resource_start) + 1;
    const std::string_view resource = std::string_view(integration->uri).substr(resource_start);
    if (resource.substr(0, 4) != "path" && resource.substr(0, 6) != "action") {
      return Fail("AWS ARN for integration must contain path or action");
    }
    if (type == "AWS_PROXY" &&
        (parts[4] != "lambda" || resource.substr(0, 26) != "path/2015-03-31/functions/")) {
      return Fail(
          "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose "
          "stream invocations.");
    }
  }
  return true;
}

StringMap IntegrationReader::ReadStringMap(const json::value* value, std::string_view field) {
  StringMap map;
  if (!value || !value->is_object()) return map;
  for (const auto& [key, entry] : value->get_object()) {
    if (entry.is_string()) {
      map[std::string(key)] = std::string(entry.get_string());
      continue;
    }
    const std::string shown = entry.is_structured() ? json::serialize(entry) : ScalarText(entry);
    log_->Warn(fmt::format(
        "Invalid format for '{}'. Expected type string for property '{}' of resource '{}' and "
        "method '{}' but got '{}'",
        field, std::string_view(key), place_.path, place_.method, shown));
  }
  return map;
}

bool IntegrationReader::ReadResponses(const json::value* value, Integration* integration) {
  if (!value || !value->is_object()) return true;
  for (const auto& [pattern, entry] : value->get_object()) {
    const json::object* response = entry.if_object();
    const json::value* status = response ? response->if_contains("statusCode") : nullptr;
    IntegrationResponse out;
    out.status_code = status ? ScalarText(*status) : "";
    int code = 0;
    if (out.status_code.size() != 3 || !ParseDigits(out.status_code, &code) || code < 100 ||
        code > 599) {
      return FailResponse("Invalid status code specified: " + out.status_code);
    }
    // "default" is the response taken when no pattern matches.
    if (pattern != "default") out.selection_pattern = std::string(pattern);
    out.response_parameters =
        ReadStringMap(response->if_contains("responseParameters"), "responseParameters");
    out.response_templates =
        ReadStringMap(response->if_contains("responseTemplates"), "responseTemplates");
    if (!ReadEnum(*response, "contentHandling", kContentHandlings, "content handling",
                  &out.content_handling)) {
      return false;
    }
    integration->integration_responses[out.status_code] = std::move(out);
  }
  return true;
}

std::optional<Integration> IntegrationReader::Read(const json::value& extension,
                                                   const std::string& resource_id) {
  const json::object* object = extension.if_object();
  if (!object) {
    Fail("Invalid integration specified");
    return std::nullopt;
  }
  Integration integration;
  const json::value* type = object->if_contains("type");
  integration.type = type ? AsciiToUpper(ScalarText(*type)) : "";
  if (!OneOf(kIntegrationTypes, integration.type)) {
    Fail(fmt::format("Invalid integration type specified: {}", integration.type));
    return std::nullopt;
  }
  const json::value* http_method = object->if_contains("httpMethod");
  integration.http_method = http_method ? AsciiToUpper(ScalarText(*http_method)) : "";
  // Lambda proxy integrations are always invoked with POST; the others must say.
  if (integration.http_method.empty() && integration.type == "AWS_PROXY") {
    integration.http_method = "POST";
  }
  if (integration.http_method.empty() && integration.type != "MOCK") {
    Fail("Enumeration value for HttpMethod must be non-empty");
    return std::nullopt;
  }
  if (!ReadUri(*object, &integration)) return std::nullopt;
  integration.credentials = StringMember(*object, "credentials");
  integration.connection_id = StringMember(*object, "connectionId");
  if (!ReadEnum(*object, "passthroughBehavior", kPassthroughBehaviors, "passthrough behavior",
                &integration.passthrough_behavior) ||
      !ReadEnum(*object, "contentHandling", kContentHandlings, "content handling",
                &integration.content_handling) ||
      !ReadEnum(*object, "connectionType", kConnectionTypes, "connection type",
                &integration.connection_type)) {
    return std::nullopt;
  }
  if (const json::value* timeout = object->if_contains("timeoutInMillis")) {
    int64_t millis = 0;
    if (!ParseDecimal(ScalarText(*timeout), &millis) || millis < 50 || millis > 29000) {
      Fail("Timeout should be between 50 ms and 29000 ms");
      return std::nullopt;
    }
    integration.timeout_in_millis = millis;
  }
  integration.request_parameters =
      ReadStringMap(object->if_contains("requestParameters"), "requestParameters");
  integration.request_templates =
      ReadStringMap(object->if_contains("requestTemplates"), "requestTemplates");
  integration.cache_namespace = StringMember(*object, "cacheNamespace");
  if (integration.cache_namespace.empty()) integration.cache_namespace = resource_id;
  if (const json::value* keys = object->if_contains("cacheKeyParameters");
      keys && keys->is_array()) {
    for (const json::value& key : keys->get_array()) {
      if (key.is_string()) integration.cache_key_parameters.emplace_back(key.get_string());
    }
  }
  if (!ReadResponses(object->if_contains("responses"), &integration)) return std::nullopt;
  return integration;
}

}  // namespace

std::optional<Integration> ImportIntegration(const json::value& extension,
                                             const OperationPlace& place,
                                             const std::string& resource_id, ImportLog* log) {
  return IntegrationReader(place, log).Read(extension, resource_id);
}

}  // namespace serval::apigateway
