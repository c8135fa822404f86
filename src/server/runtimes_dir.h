#pragma once

#include <string>

namespace serval::server {

// Where Serval's runtimes/ (the Python and Node bootstraps) live: `configured` if given, else
// $SERVAL_RUNTIMES_DIR, else runtimes/ beside the binary's parent directory (the build tree or an
// install prefix), else the source tree the binary was built from.
std::string ResolveRuntimesDir(const std::string& configured);

}  // namespace serval::server
