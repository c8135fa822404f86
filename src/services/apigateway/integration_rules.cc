#include "services/apigateway/integration_rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "services/apigateway/apigateway_errors.h"

namespace serval::apigateway {
namespace {

bool IsVariable(std::string_view part) { return part.starts_with('{') && part.ends_with('}'); }
bool IsGreedy(std::string_view part) { return IsVariable(part) && part.ends_with("+}"); }

bool OneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

absl::Status CheckContentHandling(std::string_view handling) {
  if (handling.empty() || OneOf(handling, {"CONVERT_TO_TEXT", "CONVERT_TO_BINARY"})) {
    return absl::OkStatus();
  }
  return BadRequest(
      fmt::format("Invalid content handling specified: {}. Valid options are CONVERT_TO_TEXT, "
                  "CONVERT_TO_BINARY",
                  handling));
}

}  // namespace

absl::Status CheckNewPathPart(const RestApi& api, const Resource& parent,
                              std::string_view path_part) {
  const std::string_view name =
      IsVariable(path_part) ? path_part.substr(1, path_part.size() - (IsGreedy(path_part) ? 3 : 2))
                            : path_part;
  const bool valid_characters = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
           c == ':' || c == '@';
  });
  if (!valid_characters) {
    return BadRequest(
        "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the "
        "end and an optional plus sign before the closing brace.");
  }
  if (IsGreedy(parent.path_part)) {
    return BadRequest("Cannot create a child of a resource with a greedy path variable: " +
                      parent.path_part);
  }
  for (const auto& [id, sibling] : api.resources) {
    if (sibling.parent_id != parent.id || id == parent.id) continue;
    if (sibling.path_part == path_part) {
      return Conflict("Another resource with the same parent already has this name: " +
                      std::string(path_part));
    }
    if (IsVariable(sibling.path_part) && IsVariable(path_part)) {
      return BadRequest(fmt::format(
          "A sibling ({}) of this resource already has a variable path part -- only one is "
          "allowed",
          sibling.path_part));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckHttpMethod(std::string_view verb) {
  if (OneOf(verb, {"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY"})) {
    return absl::OkStatus();
  }
  return BadRequest(
      "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,"
      "OPTIONS,HEAD,ANY");
}

absl::Status CheckMethod(const RestApi& api, const Method& method) {
  if (!OneOf(method.authorization_type, {"NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"})) {
    return BadRequest(
        "Invalid authorization type specified. Valid options are NONE,AWS_IAM,CUSTOM,"
        "COGNITO_USER_POOLS");
  }
  if (OneOf(method.authorization_type, {"CUSTOM", "COGNITO_USER_POOLS"}) &&
      !api.authorizers.contains(method.authorizer_id)) {
    return BadRequest("Invalid authorizer ID specified. Setting the authorization type to " +
                      method.authorization_type + " requires a valid authorizer.");
  }
  if (!method.request_validator_id.empty() &&
      !api.request_validators.contains(method.request_validator_id)) {
    return BadRequest("Invalid Request Validator identifier specified");
  }
  return absl::OkStatus();
}

absl::Status CheckIntegration(const Integration& integration) {
  if (!OneOf(integration.type, {"AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"})) {
    return BadRequest(fmt::format(
        "Invalid integration type specified: '{}'. Valid options are HTTP,AWS,MOCK,HTTP_PROXY,"
        "AWS_PROXY",
        integration.type));
  }
  if (integration.type != "MOCK") {
    if (integration.http_method.empty()) {
      return BadRequest("Enumeration value for HttpMethod must be non-empty");
    }
    if (absl::Status valid = CheckHttpMethod(integration.http_method); !valid.ok()) return valid;
    if (integration.uri.empty()) return BadRequest("Invalid integration URI specified");
  }
  if (integration.type == "AWS" || integration.type == "AWS_PROXY") {
    if (!integration.uri.starts_with("arn:aws:apigateway:") ||
        (integration.uri.find(":path/") == std::string::npos &&
         integration.uri.find(":action/") == std::string::npos)) {
      return BadRequest("AWS ARN for integration must contain path or action");
    }
  }
  if (integration.type == "AWS_PROXY" &&
      integration.uri.find(":lambda:path/") == std::string::npos) {
    return BadRequest(
        "Integrations of type 'AWS_PROXY' currently only supports Lambda function "
        "and Firehose stream invocations.");
  }
  if ((integration.type == "HTTP" || integration.type == "HTTP_PROXY") &&
      !integration.uri.starts_with("http://") && !integration.uri.starts_with("https://")) {
    return BadRequest("Invalid HTTP endpoint specified for URI");
  }
  if (!OneOf(integration.passthrough_behavior, {"WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"})) {
    return BadRequest(
        "Invalid passthrough behavior specified: " + integration.passthrough_behavior +
        ". Valid options are WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER");
  }
  if (integration.timeout_in_millis < 50 || integration.timeout_in_millis > 29000) {
    return BadRequest("Timeout should be between 50 ms and 29000 ms");
  }
  return CheckContentHandling(integration.content_handling);
}

absl::Status CheckIntegrationResponse(const IntegrationResponse& response) {
  return CheckContentHandling(response.content_handling);
}

}  // namespace serval::apigateway
