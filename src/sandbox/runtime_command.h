#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace serval::sandbox {

enum class RuntimeFamily { kProvided, kPython, kNode };

// The runtime identifiers Serval runs (Lambda's names), in the order error messages list them.
const std::vector<std::string>& SupportedRuntimes();

// Fails with InvalidArgument for identifiers not in SupportedRuntimes().
absl::StatusOr<RuntimeFamily> FamilyOf(std::string_view runtime);

// Paths the bootstrap command is built from. Thread-compatible value type.
struct BootstrapPaths {
  std::string task_root;    // where the function's code is, as the child sees it
  std::string runtime_dir;  // where Serval's runtimes/ is, as the child sees it
  std::string python_path;
  std::string node_path;
};

// The argv that starts an execution environment of this runtime family:
//   provided*  -> <task_root>/bootstrap (the function's own)
//   python3.x  -> <python> -u <runtime_dir>/python/bootstrap.py
//   nodejs*.x  -> <node> <runtime_dir>/node/bootstrap.mjs
std::vector<std::string> BootstrapArgv(RuntimeFamily family, const BootstrapPaths& paths);

// OK when the runtime family's own dependencies are installed under `runtimes_dir` (a host path);
// otherwise FailedPrecondition naming the missing piece and the command that installs it. The
// Node runtime needs aws-lambda-ric in node/node_modules (a plain cmake build does not install
// it); Python and provided runtimes need nothing. Reads the filesystem; thread-safe.
absl::Status CheckRuntimeDependencies(RuntimeFamily family, const std::string& runtimes_dir);

// The machine's python3 interpreter as an absolute path: the `python3` first on PATH, resolved
// through wrappers such as pyenv shims (which cost ~100 ms per start) by asking the interpreter
// itself. Computed on first use and cached; thread-safe.
const std::string& MachinePython();
// The `node` first on PATH. Computed on first use and cached; thread-safe.
const std::string& MachineNode();

}  // namespace serval::sandbox
