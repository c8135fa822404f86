#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::apigateway {

// An integration response's selectionPattern: a Java regular expression that must match the
// whole of a Lambda error's errorMessage (or an HTTP integration's status code), with Java's
// defaults ("." does not match a line break). Run by PCRE2, JIT-compiled where the CPU allows.
// Thread-safe: Matches may run on several threads at once.
class SelectionPattern {
 public:
  // InvalidArgument naming the offset of the first syntax error.
  static absl::StatusOr<SelectionPattern> Compile(std::string_view pattern);

  bool Matches(std::string_view subject) const;

 private:
  struct Code;
  explicit SelectionPattern(std::shared_ptr<const Code> code) : code_(std::move(code)) {}
  std::shared_ptr<const Code> code_;
};

}  // namespace serval::apigateway
