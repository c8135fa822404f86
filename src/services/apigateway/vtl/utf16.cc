#include "services/apigateway/vtl/utf16.h"

namespace serval::apigateway::vtl {
namespace {

// How many continuation bytes follow a UTF-8 lead byte, and the lead's payload bits; -1 for a
// byte that cannot lead.
int ContinuationBytes(unsigned char lead, char32_t* bits) {
  if (lead < 0x80) {
    *bits = lead;
    return 0;
  }
  for (int extra = 1; extra <= 3; ++extra) {
    auto prefix_mask = static_cast<unsigned char>(0xff << (6 - extra));  // 0xe0, 0xf0, 0xf8
    auto prefix = static_cast<unsigned char>(prefix_mask << 1);          // 0xc0, 0xe0, 0xf0
    if ((lead & prefix_mask) == prefix) {
      *bits = lead & static_cast<unsigned char>(~prefix_mask);
      return extra;
    }
  }
  return -1;
}

}  // namespace

std::u16string ToUtf16(std::string_view text) {
  std::u16string out;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    char32_t code = 0;
    int extra = ContinuationBytes(c, &code);
    bool valid = extra >= 0 && i + extra < text.size();
    for (int k = 1; valid && k <= extra; ++k) {
      unsigned char next = text[i + k];
      valid = (next & 0xc0) == 0x80;
      code = (code << 6) | (next & 0x3f);
    }
    if (!valid) {  // an invalid byte is U+FFFD, as Java's decoder makes it
      out += u'\ufffd';
      ++i;
      continue;
    }
    i += extra + 1;
    if (code >= 0x10000) {
      code -= 0x10000;
      out += static_cast<char16_t>(0xd800 + (code >> 10));
      out += static_cast<char16_t>(0xdc00 + (code & 0x3ff));
    } else {
      out += static_cast<char16_t>(code);
    }
  }
  return out;
}

std::string ToUtf8(std::u16string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char32_t code = text[i];
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.size() && text[i + 1] >= 0xdc00 &&
        text[i + 1] < 0xe000) {
      code = 0x10000 + ((code - 0xd800) << 10) + (text[++i] - 0xdc00);
    }
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xc0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xe0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    }
  }
  return out;
}

}  // namespace serval::apigateway::vtl
