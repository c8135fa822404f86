#pragma once

#include <span>
#include <string_view>

namespace serval::iam {

// A file of src/iam/managed_policies/, compiled into the binary (cmake/embed_files.cmake writes
// the definitions): one AWS managed policy each. Thread-safe: constant data.
struct EmbeddedFile {
  std::string_view path;  // "AWSLambdaBasicExecutionRole.json"
  std::string_view bytes;
};

std::span<const EmbeddedFile> EmbeddedFiles();

}  // namespace serval::iam
