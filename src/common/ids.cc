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
  // Written in place (one allocation: every request gets one): 32 random hex digits in the
  // 8-4-4-4-12 layout, then the version and variant digits.
  std::string uuid(36, '-');
  const uint64_t words[2] = {Generator()(), Generator()()};
  int digit = 0;
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    uuid[i] = kHexDigits[(words[digit / 16] >> (4 * (digit % 16))) & 0xf];
    ++digit;
  }
  uuid[14] = '4';                             // version 4
  uuid[19] = kHexDigits[8 | (words[1] & 3)];  // variant 10xx
  return uuid;
}

}  // namespace serval
