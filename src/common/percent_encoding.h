#pragma once

#include <string>
#include <string_view>

namespace serval {

// Percent-encoding (RFC 3986): for URLs, and for file names made from names users choose.
// Thread-safe.

// A-Z, a-z, 0-9, '-', '_', '.', '~': the bytes that are never encoded.
bool IsUnreserved(unsigned char c);
// The value of one hex digit (either case), or -1.
int HexDigitValue(char c);
// The byte that the escape "%XY" starting at text[i] stands for, or -1 if there is none there.
int EscapeAt(std::string_view text, size_t i);

// Appends "%XY" (upper-case hex) for `c`.
void AppendEncodedByte(unsigned char c, std::string* out);
// Appends `text` with every byte outside the unreserved set encoded.
void AppendPercentEncoded(std::string_view text, std::string* out);
std::string PercentEncode(std::string_view text);
// Decodes escapes ("%2F" -> "/"); '+' stays '+', an invalid escape stays as it is.
std::string PercentDecode(std::string_view text);
// Decodes a form-encoded (query string) value: as PercentDecode, and '+' is a space.
std::string FormDecode(std::string_view text);

}  // namespace serval
