#include <ctime>

#include "http/sigv4_internal.h"

// Parsing what a request says about its signature: the time, the credential scope, the
// Authorization header and the query string. Views into the request; no allocation unless noted.

namespace serval::http::sigv4_internal {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ValidTime(int year, int month, int day, int hour, int minute, int second) {
  return year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 &&
         minute <= 59 && second <= 60;
}

}  // namespace

bool ParseDigits(std::string_view text, int* out) {
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return !text.empty();
}

bool ParseAmzDate(std::string_view text, int64_t* epoch_seconds) {
  int year, month, day, hour, minute, second;
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z' ||
      !ParseDigits(text.substr(0, 4), &year) || !ParseDigits(text.substr(4, 2), &month) ||
      !ParseDigits(text.substr(6, 2), &day) || !ParseDigits(text.substr(9, 2), &hour) ||
      !ParseDigits(text.substr(11, 2), &minute) || !ParseDigits(text.substr(13, 2), &second) ||
      !ValidTime(year, month, day, hour, minute, second)) {
    return false;
  }
  *epoch_seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return true;
}

bool ParseHttpDate(std::string_view text, int64_t* epoch_seconds) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() < 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text[25] != ' ') {
    return false;
  }
  const std::string_view zone = text.substr(26);
  if (zone != "GMT" && zone != "UTC" && zone != "+0000" && zone != "-0000") return false;
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  int year, day, hour, minute, second;
  if (month == 0 || !ParseDigits(text.substr(5, 2), &day) ||
      !ParseDigits(text.substr(12, 4), &year) || !ParseDigits(text.substr(17, 2), &hour) ||
      !ParseDigits(text.substr(20, 2), &minute) || !ParseDigits(text.substr(23, 2), &second) ||
      !ValidTime(year, month, day, hour, minute, second)) {
    return false;
  }
  *epoch_seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return true;
}

std::string FormatAmzDate(int64_t epoch_seconds) {
  std::time_t seconds = static_cast<std::time_t>(epoch_seconds);
  std::tm t{};
  gmtime_r(&seconds, &t);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%SZ", &t);
  return buffer;
}

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
  header = Trim(header);
  const size_t space = header.find(' ');
  out->algorithm = header.substr(0, space);
  std::string_view rest =
      space == std::string_view::npos ? std::string_view() : header.substr(space + 1);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = Trim(rest.substr(0, comma));
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
