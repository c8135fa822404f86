#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "services/apigateway/vtl/ast.h"

namespace serval::apigateway::vtl {

// Parses Velocity Template Language source into a tree. The first syntax error is
// InvalidArgument naming its place as "line:column" (1-based; columns count bytes). #macro,
// #parse, #include and #evaluate are syntax errors ("not supported"): a mapping template has no
// files to load and needs no macros. Nesting (blocks, brackets, parentheses) deeper than
// kMaxNesting is an error too, so that hostile input cannot exhaust the stack. Thread-safe.
inline constexpr int kMaxNesting = 64;

absl::StatusOr<Block> ParseTemplate(std::string_view source);

}  // namespace serval::apigateway::vtl
