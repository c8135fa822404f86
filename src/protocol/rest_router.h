#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "http/message.h"

namespace serval::protocol {

// A REST operation's URI as botocore's models write it (`http.requestUri`):
// "/2015-03-31/functions/{FunctionName}/invocations", "/{Bucket}/{Key+}?uploads". Literal
// segments must be equal (after percent-decoding the request's); {Label} takes one non-empty
// segment; {Label+} (last only) takes the rest of the path, slashes included; each "?key" or
// "?key=value" after the path must be present in the query. Thread-compatible value.
class UriTemplate {
 public:
  explicit UriTemplate(std::string_view uri);

  // The labels' decoded values when `request` matches, else nullopt.
  std::optional<absl::flat_hash_map<std::string, std::string>> Match(
      const http::Request& request) const;
  // Orders templates that match the same request: more literal segments first, then more query
  // requirements, then a plain label over a greedy one.
  std::tuple<int, int, int> Specificity() const;

 private:
  struct Segment {
    std::string text;  // the literal, or the label's name
    bool label = false;
    bool greedy = false;
  };
  std::vector<Segment> segments_;
  std::vector<std::pair<std::string, std::optional<std::string>>> query_;
};

// A REST service's operation table: (method, URI template) -> operation. Find picks the most
// specific template that matches, so the table's order does not matter. Thread-compatible.
template <typename Operation>
class RestRouter {
 public:
  struct Match {
    const Operation* operation;
    absl::flat_hash_map<std::string, std::string> labels;
  };

  RestRouter(
      std::initializer_list<std::tuple<std::string_view, std::string_view, Operation>> routes) {
    for (const auto& [method, uri, operation] : routes) {
      routes_[std::string(method)].push_back({UriTemplate(uri), operation});
    }
  }

  // The operation for `request`, or nullopt when no template of its method matches.
  std::optional<Match> Find(const http::Request& request) const {
    auto by_method = routes_.find(request.method);
    if (by_method == routes_.end()) return std::nullopt;
    std::optional<Match> best;
    std::tuple<int, int, int> best_rank{-1, -1, -1};
    for (const Route& route : by_method->second) {
      auto labels = route.uri.Match(request);
      if (!labels || route.uri.Specificity() <= best_rank) continue;
      best_rank = route.uri.Specificity();
      best = Match{&route.operation, *std::move(labels)};
    }
    return best;
  }

 private:
  struct Route {
    UriTemplate uri;
    Operation operation;
  };
  absl::flat_hash_map<std::string, std::vector<Route>> routes_;
};

}  // namespace serval::protocol
