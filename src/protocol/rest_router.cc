#include "protocol/rest_router.h"

#include "absl/strings/str_split.h"
#include "common/percent_encoding.h"

namespace serval::protocol {
namespace {

// The path split on '/', without the leading slash and one trailing empty segment, still
// percent-encoded: "/a/b%2Fc/" gives {"a", "b%2Fc"}.
std::vector<std::string_view> RawSegments(std::string_view path) {
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  std::vector<std::string_view> segments;
  if (path.empty()) return segments;
  for (absl::string_view piece : absl::StrSplit(absl::string_view(path.data(), path.size()), '/')) {
    segments.emplace_back(piece.data(), piece.size());
  }
  return segments;
}

}  // namespace

UriTemplate::UriTemplate(std::string_view uri) {
  const size_t question = uri.find('?');
  for (std::string_view segment : RawSegments(uri.substr(0, question))) {
    Segment parsed;
    if (segment.starts_with('{') && segment.ends_with('}')) {
      segment = segment.substr(1, segment.size() - 2);
      parsed.label = true;
      parsed.greedy = segment.ends_with('+');
      if (parsed.greedy) segment.remove_suffix(1);
    }
    parsed.text = std::string(segment);
    segments_.push_back(std::move(parsed));
  }
  if (question == std::string_view::npos) return;
  for (absl::string_view item :
       absl::StrSplit(absl::string_view(uri.data() + question + 1, uri.size() - question - 1), '&',
                      absl::SkipEmpty())) {
    const size_t equals = item.find('=');
    if (equals == absl::string_view::npos) {
      query_.emplace_back(std::string(item), std::nullopt);
    } else {
      query_.emplace_back(std::string(item.substr(0, equals)),
                          std::string(item.substr(equals + 1)));
    }
  }
}

std::optional<absl::flat_hash_map<std::string, std::string>> UriTemplate::Match(
    const http::Request& request) const {
  const std::string_view path = request.RawPath();
  const std::vector<std::string_view> raw = RawSegments(path);
  absl::flat_hash_map<std::string, std::string> labels;
  size_t index = 0;
  for (const Segment& segment : segments_) {
    if (segment.greedy) {
      if (index >= raw.size()) return std::nullopt;
      // The rest of the path as sent, from this segment on (a trailing slash included).
      const std::string_view rest = path.substr(raw[index].data() - path.data());
      labels[segment.text] = PercentDecode(rest);
      index = raw.size();
      break;
    }
    if (index >= raw.size()) return std::nullopt;
    std::string decoded = PercentDecode(raw[index++]);
    if (segment.label) {
      if (decoded.empty()) return std::nullopt;
      labels[segment.text] = std::move(decoded);
    } else if (decoded != segment.text) {
      return std::nullopt;
    }
  }
  if (index != raw.size()) return std::nullopt;
  for (const auto& [key, value] : query_) {
    std::optional<std::string> present = request.QueryParam(key);
    if (!present || (value && *present != *value)) return std::nullopt;
  }
  return labels;
}

std::tuple<int, int, int> UriTemplate::Specificity() const {
  int literals = 0;
  bool greedy = false;
  for (const Segment& segment : segments_) {
    literals += segment.label ? 0 : 1;
    greedy = greedy || segment.greedy;
  }
  return {literals, static_cast<int>(query_.size()), greedy ? 0 : 1};
}

}  // namespace serval::protocol
