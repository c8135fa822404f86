#include "services/lambda_url/lambda_url_service.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/aws_error.h"
#include "common/text.h"
#include "services/apigatewayv2/cors.h"
#include "services/apigatewayv2/proxy_payload.h"
#include "services/lambda/lambda_access.h"
#include "services/lambda/resource_policy.h"
#include "services/access_check.h"

namespace serval::lambda_url {
namespace {

namespace json = boost::json;

// Lambda's limit on a synchronous invocation's request.
constexpr size_t kMaxRequestBytes = 6291456;
constexpr char kForbidden[] =
    "Forbidden. For troubleshooting Function URL authorization issues, see: "
    "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html";

// An answer of the URL itself (not of the function): `body` JSON text, the error type in
// x-amzn-ErrorType.
http::Response UrlAnswer(int status, std::string body, std::string_view error_type) {
  http::Response response{.status = status, .body = std::move(body)};
  response.SetHeader("Content-Type", "application/json");
  if (!error_type.empty()) response.SetHeader("x-amzn-ErrorType", std::string(error_type));
  return response;
}

http::Response MessageAnswer(int status, std::string_view message, std::string_view error_type) {
  return UrlAnswer(status, json::serialize(json::object{{"Message", message}}), error_type);
}

// A function that failed, or answered with something that is no response: 502 with a text
// body (AWS-recorded in LocalStack's test_lambda_url_invocation_exception).
http::Response BadGateway() {
  http::Response response{.status = 502, .body = "Internal Server Error"};
  response.SetHeader("Content-Type", "text/plain; charset=utf-8");
  return response;
}

std::string_view HostWithoutPort(std::string_view host) { return host.substr(0, host.rfind(':')); }

}  // namespace

absl::StatusOr<std::unique_ptr<services::Service>> LambdaUrlService::Create(
    const services::Platform& platform) {
  return std::make_unique<LambdaUrlService>(Dependencies{.account = platform.account,
                                                         .registry = platform.functions,
                                                         .invoker = platform.invoker,
                                                         .clock = platform.clock,
                                                         .authorizer = platform.authorizer});
}

LambdaUrlService::LambdaUrlService(Dependencies dependencies)
    : deps_(std::move(dependencies)),
      host_suffix_(fmt::format(".lambda-url.{}.localhost", deps_.account.region)),
      info_{.name = "lambda-url",
            .signing_name = "lambda",
            .protocol = protocol::Protocol::kRestJson1,
            .host_suffixes = {host_suffix_}} {}

services::Access LambdaUrlService::AccessFor(const http::Request& headers) const {
  (void)headers;
  return services::Access::kAnonymousUnlessSigV4;
}

void LambdaUrlService::Handle(protocol::RequestContext context, http::Responder respond) {
  const http::Request& request = context.request;
  const std::string host = AsciiToLower(HostWithoutPort(request.Header("Host")));
  const std::string url_id = host.substr(0, host.size() - host_suffix_.size());
  const auto url =
      url_id.find('.') == std::string::npos ? deps_.registry->FindUrl(url_id) : std::nullopt;
  // No such URL: 403 with a null message, as AWS answers a URL id nobody has (LocalStack's
  // AWS-validated test_lambda_url_non_existing_url).
  if (!url) return respond(UrlAnswer(403, R"({"Message":null})", "AccessDeniedException"));
  const lambda::FunctionConfig& latest = *url->function->latest.config;
  const lambda::FunctionUrlConfig config = *url->config;
  const bool iam = config.auth_type == "AWS_IAM";
  if (iam && context.caller.anonymous) {
    return respond(MessageAnswer(403, "Forbidden", "AccessDeniedException"));
  }
  if (iam && services::AccessChecked(deps_.authorizer, context.caller)) {
    const absl::Status allowed = deps_.authorizer->Check(
        context.caller,
        lambda::InvokeFunctionUrlRequest(deps_.account, latest.name, url->qualifier,
                                         config.auth_type, url->function->Policy(url->qualifier)),
        "AccessDeniedException");
    if (!allowed.ok()) return respond(MessageAnswer(403, kForbidden, "AccessDeniedException"));
  }
  if (!iam && !lambda::PolicyAllows(latest, {.action = "lambda:InvokeFunctionUrl",
                                             .qualifier = url->qualifier,
                                             .function_url_auth_type = "NONE"})) {
    return respond(MessageAnswer(403, kForbidden, "AccessDeniedException"));
  }
  if (config.cors && apigatewayv2::IsPreflight(request)) {
    return respond(apigatewayv2::PreflightResponse(*config.cors, request));
  }
  if (request.body_too_large || request.body.size() > kMaxRequestBytes) {
    return respond(MessageAnswer(
        413,
        fmt::format("Request must be smaller than {} bytes for the InvokeFunction operation",
                    kMaxRequestBytes),
        "RequestEntityTooLargeException"));
  }
  apigatewayv2::ProxyRequest proxy{.request = &request,
                                   .path = std::string(request.RawPath()),
                                   .full_path = std::string(request.RawPath()),
                                   .route_key = "$default",
                                   .stage = "$default",
                                   .api_id = url_id,
                                   .domain_name = host,
                                   .account_id = iam ? context.caller.account_id : "anonymous",
                                   .request_id = context.request_id,
                                   .source_ip = protocol::ReportedClientIp(context),
                                   .time_millis = deps_.clock->NowMillis()};
  if (iam) {
    const std::string user_arn = fmt::format("arn:aws:iam::{}:root", context.caller.account_id);
    proxy.authorizer_json =
        json::serialize(json::object{{"iam", json::object{{"accessKey", context.caller.access_key},
                                                          {"accountId", context.caller.account_id},
                                                          {"callerId", context.caller.access_key},
                                                          {"cognitoIdentity", nullptr},
                                                          {"principalOrgId", nullptr},
                                                          {"userArn", user_arn},
                                                          {"userId", context.caller.access_key}}}});
  }
  invoker::InvokeRequest invoke{
      .function = url->function->latest.config->name,
      .qualifier = std::string(url->qualifier),
      .payload = apigatewayv2::BuildProxyEvent(proxy, apigatewayv2::PayloadFormat::kV2),
      .request_id = context.request_id};
  deps_.invoker->InvokeSync(
      std::move(invoke),
      [request = std::move(context.request), cors = config.cors, request_id = context.request_id,
       respond = std::move(respond)](absl::StatusOr<invoker::InvokeResult> result) {
        http::Response response;
        if (!result.ok() && result.status().code() == absl::StatusCode::kResourceExhausted) {
          response = MessageAnswer(429, "Rate Exceeded.", "TooManyRequestsException");
        } else if (!result.ok() || result->outcome.function_error) {
          response = BadGateway();
        } else {
          auto mapped = apigatewayv2::MapProxyResponse(result->outcome.body,
                                                       apigatewayv2::PayloadFormat::kV2);
          response = mapped.ok() ? *std::move(mapped) : BadGateway();
        }
        if (cors) apigatewayv2::AddCorsHeaders(*cors, request, response);
        response.SetHeader("x-amzn-RequestId", request_id);
        respond(std::move(response));
      });
}

}  // namespace serval::lambda_url
