#pragma once

#include <string>

namespace serval {

// Random identifiers. Thread-safe (each thread has its own generator).

// A random UUID v4 in canonical 8-4-4-4-12 lower-case form, as AWS request ids are.
std::string NewUuid();

// A uniformly distributed number in [0, 1).
double RandomUnit();

// `bytes` random bytes as 2*bytes lower-case hex digits.
std::string RandomHex(int bytes);

}  // namespace serval
