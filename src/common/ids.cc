#include "common/ids.h"

#include <cstdint>
#include <random>

namespace serval {
namespace {

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

double RandomUnit() { return std::uniform_real_distribution<double>(0.0, 1.0)(Generator()); }

std::string RandomHex(int bytes) {
  std::string out;
  out.reserve(bytes * 2);
  uint64_t bits = 0;
  for (int i = 0; i < bytes; ++i) {
    if (i % 8 == 0) bits = Generator()();
    const unsigned byte = bits & 0xff;
    bits >>= 8;
    out.push_back(kHexDigits[byte >> 4]);
    out.push_back(kHexDigits[byte & 0xf]);
  }
  return out;
}

std::string NewUuid() {
  std::string hex = RandomHex(16);
  hex[12] = '4';  // version 4
  const int variant_nibble = hex[16] <= '9' ? hex[16] - '0' : hex[16] - 'a' + 10;
  hex[16] = kHexDigits[8 | (variant_nibble & 3)];  // variant 10xx
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace serval
