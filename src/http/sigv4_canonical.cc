#include <algorithm>

#include "common/percent_encoding.h"
#include "http/sigv4_internal.h"

// How the canonical request is rebuilt, and why (botocore auth.py and @smithy/signature-v4 are
// the references; both agree on everything below):
//
// * Path. For every service except S3 the signer takes the path as it goes on the wire (already
//   percent-encoded), removes empty and "." segments, resolves "..", and percent-encodes the
//   result once more, keeping only A-Z a-z 0-9 - _ . ~ and '/'. A Lambda ARN that travels as
//   "arn%3Aaws%3A..." is therefore signed as "arn%253Aaws%253A...". S3 signs the wire path
//   exactly as sent: no normalisation, no second encoding.
// * Query. Every name and value is percent-decoded and re-encoded with the same unreserved set
//   (so "%2f", "/" and "%2F" all become "%2F"; '+' is a literal plus and becomes "%2B"), pairs are
//   sorted by encoded name, then encoded value, and a name without '=' gets an empty value. The
//   presigned form leaves X-Amz-Signature out.
// * Headers. The client's SignedHeaders list decides what is signed; each named header's values
//   are trimmed, inner whitespace runs collapse to one space, and repeated headers are joined
//   with ','. We do not insist that "host" be signed (AWS does); a missing signed header simply
//   fails the signature.
// * Payload. X-Amz-Content-SHA256 (header, or query parameter of a presigned URL) is used
//   verbatim when present; a hex value must then also match the body. Without it the body is
//   hashed, except for presigned S3 URLs, which always use "UNSIGNED-PAYLOAD".

namespace serval::http::sigv4_internal {
namespace {

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

// True when decoding and re-encoding `text` would give `text` back: only unreserved bytes and
// upper-case escapes of reserved bytes. The common case, which then needs no copy.
bool IsCanonicalEncoding(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = text[i];
    if (IsUnreserved(c)) continue;
    if (c != '%' || i + 2 >= text.size()) return false;
    const char high = text[i + 1];
    const char low = text[i + 2];
    const bool upper_hex = ((high >= '0' && high <= '9') || (high >= 'A' && high <= 'F')) &&
                           ((low >= '0' && low <= '9') || (low >= 'A' && low <= 'F'));
    if (!upper_hex) return false;
    if (IsUnreserved(static_cast<unsigned char>(EscapeAt(text, i)))) {
      return false;
    }
    i += 2;
  }
  return true;
}

// Percent-decodes `text` (invalid escapes stay literal, '+' stays '+') and re-encodes it.
void AppendRecoded(std::string_view text, std::string* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = text[i];
    if (const int byte = EscapeAt(text, i); byte >= 0) {
      c = static_cast<unsigned char>(byte);
      i += 2;
    }
    if (IsUnreserved(c)) {
      out->push_back(static_cast<char>(c));
    } else {
      AppendEncodedByte(c, out);
    }
  }
}

// Appends the canonical URI of `raw_path` (see the top of this file).
void AppendCanonicalPath(std::string_view raw_path, bool is_s3, std::string* out) {
  if (raw_path.empty()) {
    out->push_back('/');
    return;
  }
  if (is_s3) {
    out->append(raw_path);
    return;
  }
  // RFC 3986 remove_dot_segments plus dropping empty segments, as botocore's
  // normalize_url_path and the JS signer do; `starts` records where each kept segment begins in
  // `out` so ".." can take it back.
  absl::InlinedVector<size_t, 16> starts;
  if (raw_path.front() == '/') out->push_back('/');
  std::string_view rest = raw_path;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!starts.empty()) {
        out->resize(starts.back());
        starts.pop_back();
      }
      continue;
    }
    starts.push_back(out->size());
    if (starts.size() > 1) out->push_back('/');
    AppendPercentEncoded(segment, out);
  }
  if (raw_path.back() == '/' && !starts.empty()) out->push_back('/');
}

// Appends the canonical query string. `storage` holds re-encoded components; it is reserved up
// front so the views into it stay valid.
void AppendCanonicalQuery(const QueryPairs& raw, bool presigned, std::string* out) {
  if (raw.empty()) return;
  size_t raw_size = 0;
  for (const QueryPair& pair : raw) raw_size += pair.key.size() + pair.value.size();
  std::string storage;
  QueryPairs pairs;
  pairs.reserve(raw.size());
  storage.reserve(3 * raw_size);  // re-encoding at most triples a component
  auto canonical = [&storage](std::string_view text) -> std::string_view {
    if (IsCanonicalEncoding(text)) return text;
    const size_t start = storage.size();
    AppendRecoded(text, &storage);
    return std::string_view(storage).substr(start);
  };
  for (const QueryPair& pair : raw) {
    const std::string_view key = canonical(pair.key);
    if (presigned && key == "X-Amz-Signature") continue;
    pairs.push_back({key, canonical(pair.value)});
  }
  std::sort(pairs.begin(), pairs.end(), [](const QueryPair& a, const QueryPair& b) {
    return a.key != b.key ? a.key < b.key : a.value < b.value;
  });
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) out->push_back('&');
    out->append(pairs[i].key);
    out->push_back('=');
    out->append(pairs[i].value);
  }
}

// Appends a header value trimmed, with inner whitespace runs collapsed to one space.
void AppendCollapsed(std::string_view value, std::string* out) {
  value = TrimBlanks(value);
  bool in_blank = false;
  for (char c : value) {
    if (IsBlank(c)) {
      in_blank = true;
      continue;
    }
    if (in_blank) out->push_back(' ');
    in_blank = false;
    out->push_back(c);
  }
}

// Appends "name:value\n" for every name in `signed_headers` ("a;b;c"), then the blank line.
// Returns false when the list is malformed (an empty name).
bool AppendCanonicalHeaders(const Request& request, std::string_view signed_headers,
                            std::string* out) {
  std::string_view rest = signed_headers;
  while (true) {
    const size_t semi = rest.find(';');
    const std::string_view name = rest.substr(0, semi);
    if (name.empty()) return false;
    out->append(name);
    out->push_back(':');
    bool first = true;
    for (const auto& [key, value] : request.headers) {
      if (!EqualsIgnoreCase(key, name)) continue;
      if (!first) out->push_back(',');
      first = false;
      AppendCollapsed(value, out);
    }
    out->push_back('\n');
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  out->push_back('\n');
  return true;
}

}  // namespace

std::string CanonicalRequest(const Request& request, const SignedRequest& signed_request,
                             std::string_view payload_hash, bool is_s3, bool* headers_ok) {
  std::string canonical;
  canonical.reserve(256 + request.target.size() * 2 + signed_request.signed_headers.size() * 4);
  canonical.append(request.method);
  canonical.push_back('\n');
  AppendCanonicalPath(request.RawPath(), is_s3, &canonical);
  canonical.push_back('\n');
  AppendCanonicalQuery(*signed_request.query, signed_request.presigned, &canonical);
  canonical.push_back('\n');
  *headers_ok = AppendCanonicalHeaders(request, signed_request.signed_headers, &canonical);
  canonical.append(signed_request.signed_headers);
  canonical.push_back('\n');
  canonical.append(payload_hash);
  return canonical;
}

std::string StringToSign(Sha256& sha, const SignedRequest& signed_request,
                         std::string_view canonical_request) {
  // Algorithm, time, scope, hash of the canonical request.
  const ScopeView& scope = signed_request.scope;
  std::string to_sign;
  to_sign.reserve(kAlgorithm.size() + 16 + scope.date.size() + scope.region.size() +
                  scope.service.size() + kTerminator.size() + 2 * kDigestSize + 8);
  to_sign.append(kAlgorithm);
  to_sign.push_back('\n');
  to_sign.append(signed_request.amz_date);
  to_sign.push_back('\n');
  to_sign.append(scope.date);
  to_sign.push_back('/');
  to_sign.append(scope.region);
  to_sign.push_back('/');
  to_sign.append(scope.service);
  to_sign.push_back('/');
  to_sign.append(kTerminator);
  to_sign.push_back('\n');
  AppendHex(sha.Of(canonical_request), &to_sign);
  return to_sign;
}

Digest ComputeSignature(Sha256& sha, const Request& request, const SignedRequest& signed_request,
                        std::string_view payload_hash, const std::string& secret, bool is_s3,
                        bool* headers_ok) {
  const ScopeView& scope = signed_request.scope;
  const std::string canonical =
      CanonicalRequest(request, signed_request, payload_hash, is_s3, headers_ok);
  const std::string to_sign = StringToSign(sha, signed_request, canonical);
  const Digest signing_key = SigningKey(sha, secret, scope.date, scope.region, scope.service);
  return HmacSha256(sha, {}, AsView(signing_key), to_sign);
}

std::string SignatureFor(const Request& request, bool presigned, const ScopeView& scope,
                         std::string_view amz_date, std::string_view signed_headers,
                         std::string_view payload_hash, std::string_view secret) {
  QueryPairs query;
  SplitQuery(request.RawQuery(), &query);
  SignedRequest signed_request;
  signed_request.presigned = presigned;
  signed_request.scope = scope;
  signed_request.amz_date = amz_date;
  signed_request.signed_headers = signed_headers;
  signed_request.query = &query;
  bool headers_ok = true;
  std::string hex;
  AppendHex(ComputeSignature(Sha256::ForThisThread(), request, signed_request, payload_hash,
                             std::string(secret), scope.service == "s3", &headers_ok),
            &hex);
  return hex;
}

}  // namespace serval::http::sigv4_internal
