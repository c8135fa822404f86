#include "server/aws_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "common/clock.h"
#include "common/json_fields.h"
#include "common/percent_encoding.h"
#include "http/client.h"
#include "http/sigv4.h"
#include "protocol/xml_reader.h"

namespace serval::server {
namespace {

namespace json = boost::json;

std::string Env(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

std::string_view HeaderOf(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (std::equal(key.begin(), key.end(), name.begin(), name.end(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return {};
}

struct ErrorParts {
  std::string code;
  std::string message;
};

ErrorParts ErrorOf(const http::Response& response) {
  ErrorParts parts;
  std::string_view type = HeaderOf(response, "x-amzn-ErrorType");
  parts.code = std::string(type.substr(0, type.find(':')));
  boost::system::error_code ec;
  json::value body = json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    const json::object& object = body.get_object();
    for (const char* key : {"message", "Message", "errorMessage"}) {
      if (const json::value* value = object.if_contains(key); value && value->is_string()) {
        parts.message = std::string(value->get_string());
        break;
      }
    }
    if (parts.code.empty()) {
      if (const json::value* value = object.if_contains("__type"); value && value->is_string()) {
        std::string_view code = value->get_string();
        parts.code = std::string(code.substr(code.rfind('#') + 1));
      }
    }
    return parts;
  }
  auto xml = protocol::ParseXml(response.body);
  if (xml.ok()) {
    const protocol::XmlElement* error = xml->name == "Error" ? &*xml : xml->Child("Error");
    if (error) {
      parts.code = std::string(error->ChildText("Code").value_or(""));
      parts.message = std::string(error->ChildText("Message").value_or(""));
    }
  }
  return parts;
}

}  // namespace

absl::StatusOr<AwsApi> AwsApi::Connect(std::string_view endpoint_url) {
  constexpr std::string_view kScheme = "http://";
  if (!endpoint_url.starts_with(kScheme)) {
    return absl::InvalidArgumentError("--endpoint-url must be http://HOST[:PORT]");
  }
  std::string_view host_port = endpoint_url.substr(kScheme.size());
  if (host_port.ends_with('/')) host_port.remove_suffix(1);
  const size_t colon = host_port.rfind(':');
  std::string host(host_port.substr(0, colon));
  int port = 80;
  if (colon != std::string_view::npos) {
    std::string_view digits = host_port.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size() || port <= 0 || port > 65535) {
      return absl::InvalidArgumentError("--endpoint-url must be http://HOST[:PORT]");
    }
  }
  if (host.empty() || host.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("--endpoint-url must be http://HOST[:PORT]");
  }
  return AwsApi(std::move(host), static_cast<uint16_t>(port),
                Env("AWS_REGION", Env("AWS_DEFAULT_REGION", "us-east-1")));
}

absl::StatusOr<http::Response> AwsApi::Call(
    std::string_view service, std::string method, std::string target, std::string body,
    std::vector<std::pair<std::string, std::string>> headers) const {
  http::Request request{
      .method = std::move(method), .target = std::move(target), .body = std::move(body)};
  request.headers = std::move(headers);
  request.headers.emplace_back("Host", fmt::format("{}:{}", host_, port_));
  http::SignRequest(request, Env("AWS_ACCESS_KEY_ID", "test"), Env("AWS_SECRET_ACCESS_KEY", "test"),
                    region_, service, RealClock::Instance().NowMillis());
  return http::Fetch(host_, port_, std::move(request));
}

absl::StatusOr<http::Response> AwsApi::Query(
    std::string_view service, std::string_view action, std::string_view version,
    const std::vector<std::pair<std::string, std::string>>& parameters) const {
  std::string form = fmt::format("Action={}&Version={}", action, version);
  for (const auto& [name, value] : parameters) {
    form += '&';
    AppendPercentEncoded(name, &form);
    form += '=';
    AppendPercentEncoded(value, &form);
  }
  return Call(service, "POST", "/", std::move(form),
              {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}});
}

absl::StatusOr<http::Response> AwsApi::Json(std::string_view service, std::string_view json_version,
                                            std::string_view target_prefix,
                                            std::string_view operation,
                                            const boost::json::object& input) const {
  return Call(service, "POST", "/", boost::json::serialize(input),
              {{"Content-Type", fmt::format("application/x-amz-json-{}", json_version)},
               {"X-Amz-Target", fmt::format("{}.{}", target_prefix, operation)}});
}

std::string AwsErrorCode(const http::Response& response) { return ErrorOf(response).code; }

absl::Status CallRefused(std::string_view operation, const http::Response& response) {
  ErrorParts error = ErrorOf(response);
  if (error.code.empty() && error.message.empty()) error.message = response.body;
  return absl::FailedPreconditionError(fmt::format(
      "{}: {}{}{} (HTTP {})", operation, error.code,
      error.code.empty() || error.message.empty() ? "" : ": ", error.message, response.status));
}

absl::Status Expect2xx(std::string_view operation, const absl::StatusOr<http::Response>& response) {
  if (!response.ok()) return response.status();
  if (response->status / 100 != 2) return CallRefused(operation, *response);
  return absl::OkStatus();
}

absl::StatusOr<protocol::XmlElement> QueryResultOf(const absl::StatusOr<http::Response>& response,
                                                   std::string_view action, std::string_view what) {
  const std::string operation = fmt::format("{} {}", action, what);
  if (auto status = Expect2xx(operation, response); !status.ok()) return status;
  auto document = protocol::ParseXml(response->body);
  const protocol::XmlElement* result =
      document.ok() ? document->Child(fmt::format("{}Result", action)) : nullptr;
  if (!result) return absl::InternalError(operation + ": the answer has no result");
  return *result;
}

absl::StatusOr<std::vector<protocol::XmlElement>> QueryListAll(
    const AwsApi& api, std::string_view service, std::string_view version, std::string_view action,
    const std::vector<std::pair<std::string, std::string>>& parameters, std::string_view list,
    std::string_view token, std::string_view what) {
  std::vector<protocol::XmlElement> members;
  std::string next;
  do {
    auto page = parameters;
    if (!next.empty()) page.emplace_back(token, next);
    auto result = QueryResultOf(api.Query(service, action, version, page), action, what);
    if (!result.ok()) return result.status();
    if (const protocol::XmlElement* items = result->Child(list)) {
      for (const protocol::XmlElement* member : items->Children("member")) {
        members.push_back(*member);
      }
    }
    next = std::string(result->ChildText(token).value_or(""));
  } while (!next.empty());
  return members;
}

absl::StatusOr<json::object> JsonObjectOf(const http::Response& response,
                                          std::string_view operation) {
  auto object = ParseStoredObject(response.body);
  if (!object.ok()) {
    return absl::InternalError(fmt::format("{}: the answer is not JSON", operation));
  }
  return object;
}

const json::object* FindListedObject(const json::object& answer, std::string_view list,
                                     std::string_view key, std::string_view value) {
  const json::value* items = answer.if_contains(list);
  if (!items || !items->is_array()) return nullptr;
  for (const json::value& item : items->get_array()) {
    if (item.is_object() && StringMember(item.get_object(), key) == value) {
      return &item.get_object();
    }
  }
  return nullptr;
}

}  // namespace serval::server
