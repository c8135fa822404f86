#pragma once

#include <span>
#include <string_view>

namespace serval::dashboard {

// A file of the dashboard/ source folder, compiled into the binary (cmake/embed_files.cmake
// writes the definitions). Thread-safe: constant data.
struct EmbeddedFile {
  std::string_view path;  // under dashboard/, "/"-separated: "app.js", "vendor/uplot/uPlot.min.css"
  std::string_view bytes;
};

std::span<const EmbeddedFile> EmbeddedFiles();

}  // namespace serval::dashboard
