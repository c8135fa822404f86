#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/apigateway/rest_api.h"
#include "services/apigateway/selection_pattern.h"
#include "services/apigateway/vtl/template.h"

namespace serval::apigateway {

// The function a Lambda invocation URI (an integration's or an authorizer's) names, or "":
// arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION/invocations. Thread-safe.
std::string LambdaFunctionOfUri(std::string_view uri);

// One integration response, ready to use: its selection pattern compiled and its templates
// parsed.
struct CompiledResponse {
  const IntegrationResponse* response = nullptr;
  std::optional<SelectionPattern> pattern;         // nullopt: the default response
  std::map<std::string, vtl::Template> templates;  // by content type
};

// One method of a deployed API, ready to serve.
struct CompiledMethod {
  const Resource* resource = nullptr;
  const Method* method = nullptr;
  const Integration* integration = nullptr;
  const std::vector<std::string>* binary_media_types = nullptr;  // the API's
  std::map<std::string, vtl::Template> request_templates;        // by content type
  // Patterned responses in status-code order (the first match wins), then the default.
  std::vector<CompiledResponse> responses;
  const CompiledResponse* default_response = nullptr;
  // A Lambda integration's function ("arn:aws:lambda:...:function:name[:alias]"), possibly with
  // ${stageVariables.x} in it; empty for other integrations.
  std::string function;
};

// What a request's path and method select.
struct RouteMatch {
  const CompiledMethod* method = nullptr;
  // The resource's path parameters, still percent-encoded ("proxy" -> "a/b%20c").
  std::map<std::string, std::string> path_parameters;
};

// A deployment compiled for serving: the resource tree as a trie, templates parsed, selection
// patterns compiled. Built once per deployment; immutable after, so requests share it.
// Thread-safe.
class CompiledApi {
 public:
  // The API of `deployment`, or BadRequestException with AWS's deploy-time text when it cannot
  // be deployed: no methods, a method without an integration, a template that does not parse, a
  // selection pattern that does not compile.
  static absl::StatusOr<std::shared_ptr<const CompiledApi>> Build(RestApi snapshot);

  // The method `path` (below the stage, percent-encoded, "/pets/7") and `verb` select: the most
  // specific resource (literal segments before {variables} before a greedy {proxy+}) that has
  // the verb or ANY. nullopt when none has.
  std::optional<RouteMatch> Find(std::string_view path, std::string_view verb) const;

  const RestApi& api() const { return api_; }

 private:
  // A resource in the trie.
  struct Node {
    std::map<std::string, Node*, std::less<>> literals;
    Node* variable = nullptr;  // {name}
    Node* greedy = nullptr;    // {name+}
    std::string parameter;     // this node's parameter name when it is a variable or greedy
    std::map<std::string, CompiledMethod, std::less<>> methods;
  };
  CompiledApi() = default;
  // Depth-first over `segments` from `node`: the first resource (in specificity order) that
  // serves `verb`.
  const CompiledMethod* Walk(const Node& node, const std::vector<std::string_view>& segments,
                             size_t next, std::string_view verb,
                             std::map<std::string, std::string>& parameters) const;

  RestApi api_;
  std::map<std::string, Node> nodes_;  // by resource id
  const Node* root_ = nullptr;
};

}  // namespace serval::apigateway
