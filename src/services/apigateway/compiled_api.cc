#include "services/apigateway/compiled_api.h"

#include <fmt/format.h>

#include "common/percent_encoding.h"
#include "common/text.h"
#include "services/apigateway/apigateway_errors.h"

namespace serval::apigateway {
namespace {

std::string FunctionOf(const Integration& integration) {
  if (integration.type != "AWS" && integration.type != "AWS_PROXY") return "";
  return LambdaFunctionOfUri(integration.uri);
}

absl::StatusOr<std::map<std::string, vtl::Template>> ParseTemplates(const StringMap& sources,
                                                                    std::string_view where) {
  std::map<std::string, vtl::Template> templates;
  for (const auto& [content_type, source] : sources) {
    absl::StatusOr<vtl::Template> parsed = vtl::Template::Parse(source);
    if (!parsed.ok()) {
      return BadRequest(
          fmt::format("Errors found in the mapping template of {} for content type "
                      "{}: {}",
                      where, content_type, std::string(parsed.status().message())));
    }
    templates.emplace(content_type, *std::move(parsed));
  }
  return templates;
}

absl::StatusOr<CompiledMethod> CompileMethod(const Resource& resource, const Method& method) {
  const std::string where = fmt::format("{} {}", method.http_method, resource.path);
  if (!method.integration) {
    return BadRequest("No integration defined for method");
  }
  CompiledMethod compiled{.resource = &resource,
                          .method = &method,
                          .integration = &*method.integration,
                          .function = FunctionOf(*method.integration)};
  if (method.integration->type == "AWS" || method.integration->type == "AWS_PROXY") {
    if (compiled.function.empty()) {
      return BadRequest(
          fmt::format("Integration of {} is not a Lambda function invocation ({}); "
                      "Serval integrates AWS services through Lambda only",
                      where, method.integration->uri));
    }
  }
  auto requests = ParseTemplates(method.integration->request_templates, where);
  if (!requests.ok()) return requests.status();
  compiled.request_templates = *std::move(requests);
  for (const auto& [code, response] : method.integration->integration_responses) {
    CompiledResponse entry{.response = &response};
    if (response.selection_pattern && !response.selection_pattern->empty()) {
      absl::StatusOr<SelectionPattern> pattern =
          SelectionPattern::Compile(*response.selection_pattern);
      if (!pattern.ok()) return BadRequest(std::string(pattern.status().message()));
      entry.pattern = *std::move(pattern);
    }
    auto templates = ParseTemplates(response.response_templates, where);
    if (!templates.ok()) return templates.status();
    entry.templates = *std::move(templates);
    compiled.responses.push_back(std::move(entry));
  }
  // Patterned responses first (status-code order), the default last.
  std::stable_partition(compiled.responses.begin(), compiled.responses.end(),
                        [](const CompiledResponse& entry) { return entry.pattern.has_value(); });
  // (Moving the vector, as returning and storing the method do, keeps this pointer valid.)
  if (!compiled.responses.empty() && !compiled.responses.back().pattern) {
    compiled.default_response = &compiled.responses.back();
  }
  return compiled;
}

}  // namespace

std::string LambdaFunctionOfUri(std::string_view uri) {
  constexpr std::string_view kStart = ":lambda:path/2015-03-31/functions/";
  constexpr std::string_view kEnd = "/invocations";
  const size_t start = uri.find(kStart);
  if (start == std::string::npos || !uri.ends_with(kEnd)) return "";
  const size_t begin = start + kStart.size();
  return std::string(uri.substr(begin, uri.size() - kEnd.size() - begin));
}

absl::StatusOr<std::shared_ptr<const CompiledApi>> CompiledApi::Build(RestApi snapshot) {
  std::shared_ptr<CompiledApi> compiled(new CompiledApi());
  compiled->api_ = std::move(snapshot);
  const RestApi& api = compiled->api_;
  bool any_method = false;
  for (const auto& [id, resource] : api.resources) {
    Node& node = compiled->nodes_[id];
    for (const auto& [verb, method] : resource.methods) {
      absl::StatusOr<CompiledMethod> method_compiled = CompileMethod(resource, method);
      if (!method_compiled.ok()) return method_compiled.status();
      method_compiled->binary_media_types = &api.binary_media_types;
      node.methods.emplace(verb, *std::move(method_compiled));
      any_method = true;
    }
  }
  if (!any_method) return BadRequest("The REST API doesn't contain any methods");
  // Link each node to its parent.
  for (const auto& [id, resource] : api.resources) {
    Node& node = compiled->nodes_[id];
    if (resource.parent_id.empty()) {
      compiled->root_ = &node;
      continue;
    }
    auto parent = compiled->nodes_.find(resource.parent_id);
    if (parent == compiled->nodes_.end()) continue;  // an orphan cannot be reached
    const std::string& part = resource.path_part;
    if (part.starts_with('{') && part.ends_with("+}")) {
      node.parameter = part.substr(1, part.size() - 3);
      parent->second.greedy = &node;
    } else if (part.starts_with('{') && part.ends_with('}')) {
      node.parameter = part.substr(1, part.size() - 2);
      parent->second.variable = &node;
    } else {
      parent->second.literals[part] = &node;
    }
  }
  if (compiled->root_ == nullptr) return BadRequest("The REST API has no root resource");
  return std::shared_ptr<const CompiledApi>(std::move(compiled));
}

const CompiledMethod* CompiledApi::Walk(const Node& node,
                                        const std::vector<std::string_view>& segments, size_t next,
                                        std::string_view verb,
                                        std::map<std::string, std::string>& parameters) const {
  if (next == segments.size()) {
    auto method = node.methods.find(verb);
    if (method == node.methods.end()) method = node.methods.find("ANY");
    return method == node.methods.end() ? nullptr : &method->second;
  }
  const std::string_view segment = segments[next];
  // Literal path parts are compared decoded: "/a%20b" reaches the resource "a b".
  if (auto literal = node.literals.find(PercentDecode(segment)); literal != node.literals.end()) {
    if (const CompiledMethod* found =
            Walk(*literal->second, segments, next + 1, verb, parameters)) {
      return found;
    }
  }
  if (node.variable != nullptr && !segment.empty()) {
    if (const CompiledMethod* found = Walk(*node.variable, segments, next + 1, verb, parameters)) {
      parameters[node.variable->parameter] = std::string(segment);
      return found;
    }
  }
  if (node.greedy != nullptr) {
    if (const CompiledMethod* found =
            Walk(*node.greedy, segments, segments.size(), verb, parameters)) {
      std::string rest;
      for (size_t i = next; i < segments.size(); ++i) {
        rest += (i == next ? "" : "/") + std::string(segments[i]);
      }
      parameters[node.greedy->parameter] = std::move(rest);
      return found;
    }
  }
  return nullptr;
}

std::optional<RouteMatch> CompiledApi::Find(std::string_view path, std::string_view verb) const {
  std::vector<std::string_view> segments;
  if (path.starts_with('/')) path.remove_prefix(1);
  // A trailing slash names the same resource ("/pets/" is "/pets").
  if (path.ends_with('/')) path.remove_suffix(1);
  if (!path.empty()) segments = SplitOn(path, '/');
  RouteMatch match;
  match.method = Walk(*root_, segments, 0, verb, match.path_parameters);
  if (match.method == nullptr) return std::nullopt;
  return match;
}

}  // namespace serval::apigateway
