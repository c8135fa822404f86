#include "http/message.h"

#include <strings.h>

#include <algorithm>
#include <cctype>

#include "common/percent_encoding.h"

namespace serval::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

bool Request::HasHeader(std::string_view name) const {
  for (const auto& header : headers) {
    if (EqualsIgnoreCase(header.first, name)) return true;
  }
  return false;
}

std::string_view Request::RawPath() const {
  std::string_view view = target;
  return view.substr(0, view.find('?'));
}

std::string_view Request::RawQuery() const {
  std::string_view view = target;
  const size_t mark = view.find('?');
  return mark == std::string_view::npos ? std::string_view() : view.substr(mark + 1);
}

std::vector<std::string> Request::PathSegments() const {
  std::vector<std::string> segments;
  segments.reserve(8);
  std::string_view path = RawPath();
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) segments.push_back(PercentDecode(path.substr(start, end - start)));
    start = end + 1;
  }
  return segments;
}

std::vector<std::string> Request::QueryParams(std::string_view name) const {
  std::vector<std::string> values;
  std::string_view query = RawQuery();
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (PercentDecode(pair.substr(0, eq)) != name) continue;
    if (eq == std::string_view::npos) {
      values.emplace_back();
      continue;
    }
    std::string value(pair.substr(eq + 1));
    std::replace(value.begin(), value.end(), '+', ' ');
    values.push_back(PercentDecode(value));
  }
  return values;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  std::vector<std::string> values = QueryParams(name);
  if (values.empty()) return std::nullopt;
  return std::move(values.front());
}

}  // namespace serval::http
