#pragma once

#include <string>
#include <vector>

namespace serval::server {

// Where Serval's runtimes/ (the Python and Node bootstraps) live: `configured` if given, else
// $SERVAL_RUNTIMES_DIR, else runtimes/ beside the binary's parent directory (the build tree or an
// install prefix), else the source tree the binary was built from.
std::string ResolveRuntimesDir(const std::string& configured);

// serval-spare-bootstrap beside the binary (the build puts it there), or "" when it is missing
// (provided runtimes then get no spare environments).
std::string SpareBootstrapPath();

// What the runtimes under `runtimes_dir` lack to run, each with the command that installs it
// (reported at startup; a function of such a runtime fails with the same text).
std::vector<std::string> MissingRuntimeDependencies(const std::string& runtimes_dir);

}  // namespace serval::server
