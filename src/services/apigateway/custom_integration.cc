#include "services/apigateway/custom_integration.h"

#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "services/apigateway/gateway_response.h"
#include "services/apigateway/vtl/jsonpath.h"

namespace serval::apigateway {
namespace {

namespace json = boost::json;

// The value of a responseParameters source: 'static', integration.response.body[.JSONPATH],
// integration.response.header.NAME. nullopt when it names nothing that exists.
std::optional<std::string> ParameterValue(std::string_view source,
                                          const IntegrationOutput& output) {
  if (source.size() >= 2 && source.front() == '\'' && source.back() == '\'') {
    return std::string(source.substr(1, source.size() - 2));
  }
  constexpr std::string_view kHeader = "integration.response.header.";
  if (source.starts_with(kHeader)) {
    for (const auto& [name, value] : output.headers) {
      if (EqualsIgnoreCase(name, source.substr(kHeader.size()))) return value;
    }
    return std::nullopt;
  }
  constexpr std::string_view kBody = "integration.response.body";
  if (!source.starts_with(kBody)) return std::nullopt;
  if (source == kBody) return output.body;
  json::error_code ec;
  const json::value document = json::parse(output.body, ec);
  if (ec) return std::nullopt;
  absl::StatusOr<json::value> found =
      vtl::EvaluateJsonPath(document, "$" + std::string(source.substr(kBody.size())));
  if (!found.ok() || found->is_null()) return std::nullopt;
  if (found->is_string()) return std::string(found->get_string());
  return json::serialize(*found);
}

// The template of `templates` for `accept`: its media type, else application/json, else the
// first. Null when there are none.
const vtl::Template* ResponseTemplate(const std::map<std::string, vtl::Template>& templates,
                                      std::string_view accept, std::string* content_type) {
  if (templates.empty()) return nullptr;
  auto found = templates.find(MediaType(accept));
  if (found == templates.end()) found = templates.find("application/json");
  if (found == templates.end()) found = templates.begin();
  *content_type = found->first;
  return &found->second;
}

// `body` as `content_handling` asks: CONVERT_TO_TEXT base64-encodes a binary payload,
// CONVERT_TO_BINARY decodes a text one (left as it is when it is not base64); without it a
// payload passes as it is.
std::string Convert(std::string body, std::string_view content_handling, bool binary) {
  if (content_handling == "CONVERT_TO_TEXT" && binary) return Base64Encode(body);
  if (content_handling == "CONVERT_TO_BINARY" && !binary) {
    absl::StatusOr<std::string> decoded = Base64Decode(body);
    if (decoded.ok()) return *std::move(decoded);
  }
  return body;
}

}  // namespace

std::string MediaType(std::string_view value) {
  value = value.substr(0, value.find(','));
  return AsciiToLower(TrimBlanks(value.substr(0, value.find(';'))));
}

vtl::Bindings RequestBindings(const http::Request& request, const RequestFacts& facts) {
  vtl::Bindings bindings;
  for (const auto& [name, value] : facts.path_parameters) {
    bindings.path_params[name] = PercentDecode(value);
  }
  for (std::string_view part : SplitOn(request.RawQuery(), '&')) {
    if (part.empty()) continue;
    const size_t equals = part.find('=');
    bindings.querystring[FormDecode(part.substr(0, equals))] =
        equals == std::string_view::npos ? "" : FormDecode(part.substr(equals + 1));
  }
  for (const auto& [name, value] : request.headers) bindings.headers[name] = value;
  bindings.context = RequestContextJson(facts);
  for (const auto& [name, value] : facts.stage_variables) bindings.stage_variables[name] = value;
  return bindings;
}

absl::StatusOr<std::optional<std::string>> IntegrationRequestBody(const CompiledMethod& method,
                                                                  const http::Request& request,
                                                                  const vtl::Bindings& bindings) {
  const std::string_view content_type = request.Header("Content-Type");
  const std::string type = content_type.empty() ? "application/json" : MediaType(content_type);
  const std::string payload = Convert(request.body, method.integration->content_handling,
                                      IsBinaryMediaType(content_type, *method.binary_media_types));
  const auto& templates = method.request_templates;
  auto chosen = templates.find(type);
  if (chosen == templates.end()) {
    const std::string& passthrough = method.integration->passthrough_behavior;
    if (passthrough == "NEVER" || (passthrough == "WHEN_NO_TEMPLATES" && !templates.empty())) {
      return std::optional<std::string>();
    }
    return std::optional<std::string>(payload);
  }
  vtl::Bindings with_body = bindings;
  with_body.body = payload;
  absl::StatusOr<vtl::Rendered> rendered = chosen->second.Render(with_body);
  if (!rendered.ok()) return rendered.status();
  return std::optional<std::string>(std::move(rendered->text));
}

http::Response MapIntegrationResponse(const CompiledMethod& method, const IntegrationOutput& output,
                                      const http::Request& request, vtl::Bindings bindings) {
  const CompiledResponse* chosen = nullptr;
  if (output.selector) {
    for (const CompiledResponse& candidate : method.responses) {
      if (candidate.pattern && candidate.pattern->Matches(*output.selector)) {
        chosen = &candidate;
        break;
      }
    }
  }
  if (chosen == nullptr) chosen = method.default_response;
  // No response configured for this output, or one whose status the method does not declare.
  if (chosen == nullptr ||
      !method.method->method_responses.contains(chosen->response->status_code)) {
    return InternalServerError();
  }
  int status = 0;
  ParseDigits(chosen->response->status_code, &status);
  http::Response response{.status = status};
  std::string content_type = "application/json";
  if (const vtl::Template* mapping =
          ResponseTemplate(chosen->templates, request.Header("Accept"), &content_type)) {
    bindings.body = output.body;
    absl::StatusOr<vtl::Rendered> rendered = mapping->Render(bindings);
    if (!rendered.ok()) return InternalServerError();
    response.body = std::move(rendered->text);
    // $context.responseOverride.status / .header.NAME, as the template set them.
    if (const json::value* override = rendered->context.if_contains("responseOverride");
        override != nullptr && override->is_object()) {
      if (const json::value* code = override->get_object().if_contains("status")) {
        const int64_t wanted = code->is_int64()    ? code->get_int64()
                               : code->is_string() ? std::atoll(code->get_string().c_str())
                                                   : 0;
        if (wanted >= 100 && wanted <= 599) response.status = static_cast<int>(wanted);
      }
      if (const json::value* headers = override->get_object().if_contains("header");
          headers != nullptr && headers->is_object()) {
        for (const auto& [name, value] : headers->get_object()) {
          if (!value.is_string()) continue;
          const std::string_view text = value.get_string();
          if (text.find_first_of("\r\n") != std::string_view::npos) continue;
          response.SetHeader(std::string(name), std::string(text));
        }
      }
    }
  } else {
    response.body = output.body;
  }
  response.body = Convert(std::move(response.body), chosen->response->content_handling,
                          IsBinaryMediaType(content_type, *method.binary_media_types));
  response.SetHeader("Content-Type", content_type);
  constexpr std::string_view kHeaderTarget = "method.response.header.";
  for (const auto& [target, source] : chosen->response->response_parameters) {
    if (!target.starts_with(kHeaderTarget)) continue;
    std::optional<std::string> value = ParameterValue(source, output);
    if (!value || value->find_first_of("\r\n") != std::string::npos) continue;
    response.SetHeader(target.substr(kHeaderTarget.size()), *std::move(value));
  }
  return response;
}

}  // namespace serval::apigateway
