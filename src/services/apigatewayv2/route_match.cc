#include "services/apigatewayv2/route_match.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "common/json_fields.h"
#include "common/text.h"

namespace serval::apigatewayv2 {
namespace {

constexpr std::string_view kDefaultRoute = "$default";
constexpr std::string_view kMethods[] = {"GET",    "POST", "PUT",     "PATCH",
                                         "DELETE", "HEAD", "OPTIONS", "ANY"};

// "/a/b/" -> {"a", "b", ""}; "/" -> {""}.
std::vector<std::string_view> Segments(std::string_view path) {
  if (path.starts_with('/')) path.remove_prefix(1);
  return SplitOn(path, '/');
}

bool IsVariable(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool IsGreedy(std::string_view segment) { return IsVariable(segment) && segment.ends_with("+}"); }

std::string VariableName(std::string_view segment) {
  segment = segment.substr(1, segment.size() - 2);
  if (segment.ends_with('+')) segment.remove_suffix(1);
  return std::string(segment);
}

// The path variables when `templ` matches the request's `segments`; the rank orders matches.
std::optional<std::map<std::string, std::string>> MatchPath(
    const std::vector<std::string_view>& templ, const std::vector<std::string_view>& segments) {
  std::map<std::string, std::string> values;
  for (size_t i = 0; i < templ.size(); ++i) {
    if (IsGreedy(templ[i])) {
      if (i >= segments.size() || (i + 1 == segments.size() && segments[i].empty())) {
        return std::nullopt;
      }
      std::string rest;
      for (size_t j = i; j < segments.size(); ++j) {
        if (j > i) rest += '/';
        rest += segments[j];
      }
      values[VariableName(templ[i])] = std::move(rest);
      return values;
    }
    if (i >= segments.size()) return std::nullopt;
    if (IsVariable(templ[i])) {
      if (segments[i].empty()) return std::nullopt;
      values[VariableName(templ[i])] = std::string(segments[i]);
    } else if (templ[i] != segments[i]) {
      return std::nullopt;
    }
  }
  if (templ.size() != segments.size()) return std::nullopt;
  return values;
}

}  // namespace

std::optional<RouteMatch> MatchRoute(const HttpApi& api, std::string_view method,
                                     std::string_view path) {
  const auto* routes = api.Children("routes");
  if (!routes) return std::nullopt;
  const std::vector<std::string_view> segments = Segments(path);
  std::optional<RouteMatch> best, fallback;
  std::tuple<int, int, int> best_rank{-1, -1, -1};
  for (const auto& [id, route] : *routes) {
    const std::string key = StringMember(route, "routeKey");
    if (key == kDefaultRoute) {
      fallback = RouteMatch{&route, key, key, {}};
      continue;
    }
    const size_t space = key.find(' ');
    if (space == std::string::npos) continue;
    const std::string_view route_method = std::string_view(key).substr(0, space);
    const std::string_view route_path = std::string_view(key).substr(space + 1);
    if (route_method != "ANY" && route_method != method) continue;
    const std::vector<std::string_view> templ = Segments(route_path);
    auto values = MatchPath(templ, segments);
    if (!values) continue;
    const int literals = static_cast<int>(std::count_if(
        templ.begin(), templ.end(), [](std::string_view s) { return !IsVariable(s); }));
    const int greedy = templ.empty() || !IsGreedy(templ.back()) ? 1 : 0;
    const std::tuple<int, int, int> rank{literals, greedy, route_method == "ANY" ? 0 : 1};
    if (rank <= best_rank) continue;
    best_rank = rank;
    best = RouteMatch{&route, key, std::string(route_path), *std::move(values)};
  }
  return best ? best : fallback;
}

absl::Status ValidateRouteKey(std::string_view route_key) {
  if (route_key == kDefaultRoute) return absl::OkStatus();
  const absl::Status invalid = absl::InvalidArgumentError(
      "Unable to create route " + std::string(route_key) +
      ". The route key must be '$default' or 'METHOD /path' with METHOD one of GET, POST, PUT, "
      "PATCH, DELETE, HEAD, OPTIONS or ANY.");
  const size_t space = route_key.find(' ');
  if (space == std::string_view::npos) return invalid;
  const std::string_view method = route_key.substr(0, space);
  const std::string_view path = route_key.substr(space + 1);
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods) ||
      !path.starts_with('/')) {
    return invalid;
  }
  const std::vector<std::string_view> templ = Segments(path);
  for (size_t i = 0; i < templ.size(); ++i) {
    if (IsGreedy(templ[i]) && i + 1 != templ.size()) return invalid;
    if (templ[i].find_first_of("{}") != std::string_view::npos && !IsVariable(templ[i])) {
      return invalid;
    }
  }
  return absl::OkStatus();
}

}  // namespace serval::apigatewayv2
