#include "http/sigv4_internal.h"

// Parsing what a request says about its signature: the time, the credential scope, the
// Authorization header and the query string. Views into the request; no allocation unless noted.

namespace serval::http::sigv4_internal {

bool ParseCredential(std::string_view credential, ScopeView* scope) {
  std::string_view parts[5];
  size_t count = 0;
  while (count < 5) {
    const size_t slash = credential.find('/');
    parts[count++] = credential.substr(0, slash);
    if (slash == std::string_view::npos) {
      credential = {};
      break;
    }
    credential.remove_prefix(slash + 1);
    if (count == 5) return false;  // a sixth part
  }
  if (count != 5 || parts[4] != kTerminator) return false;
  int ignored;
  if (parts[0].empty() || parts[1].size() != 8 || !ParseDigits(parts[1], &ignored) ||
      parts[2].empty() || parts[3].empty()) {
    return false;
  }
  *scope = {parts[0], parts[1], parts[2], parts[3]};
  return true;
}

std::string FormatCredential(const ScopeView& scope) {
  std::string credential;
  for (std::string_view part : {scope.access_key, scope.date, scope.region, scope.service}) {
    credential.append(part);
    credential.push_back('/');
  }
  credential.append(kTerminator);
  return credential;
}

std::string ParseAuthorizationHeader(std::string_view header, AuthorizationHeader* out) {
  header = TrimBlanks(header);
  const size_t space = header.find(' ');
  out->algorithm = header.substr(0, space);
  std::string_view rest =
      space == std::string_view::npos ? std::string_view() : header.substr(space + 1);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = TrimBlanks(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return "'" + std::string(item) +
             "' not a valid key=value pair (missing equal-sign) in Authorization header.";
    }
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "Credential") {
      out->credential = value;
    } else if (key == "SignedHeaders") {
      out->signed_headers = value;
    } else if (key == "Signature") {
      out->signature = value;
    }
  }
  std::string problems;
  if (out->credential.empty()) problems += "Authorization header requires 'Credential' parameter. ";
  if (out->signature.empty()) problems += "Authorization header requires 'Signature' parameter. ";
  if (out->signed_headers.empty()) {
    problems += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (!problems.empty()) problems.pop_back();
  return problems;
}

void SplitQuery(std::string_view query, QueryPairs* out) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      out->push_back({pair, {}});
    } else {
      out->push_back({pair.substr(0, eq), pair.substr(eq + 1)});
    }
  }
}

std::optional<std::string_view> FindRaw(const QueryPairs& pairs, std::string_view key) {
  for (const QueryPair& pair : pairs) {
    if (pair.key == key) return pair.value;
  }
  return std::nullopt;
}

}  // namespace serval::http::sigv4_internal
