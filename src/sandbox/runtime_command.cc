#include "sandbox/runtime_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

namespace serval::sandbox {

const std::vector<std::string>& SupportedRuntimes() {
  static const std::vector<std::string> runtimes = {
      "nodejs18.x", "nodejs20.x",   "nodejs22.x",     "nodejs24.x", "python3.9",
      "python3.10", "python3.11",   "python3.12",     "python3.13", "python3.14",
      "provided",   "provided.al2", "provided.al2023"};
  return runtimes;
}

absl::StatusOr<RuntimeFamily> FamilyOf(std::string_view runtime) {
  const auto& known = SupportedRuntimes();
  if (std::find(known.begin(), known.end(), runtime) == known.end()) {
    return absl::InvalidArgumentError("unsupported runtime " + std::string(runtime));
  }
  if (runtime.starts_with("python")) return RuntimeFamily::kPython;
  if (runtime.starts_with("nodejs")) return RuntimeFamily::kNode;
  return RuntimeFamily::kProvided;
}

std::vector<std::string> BootstrapArgv(RuntimeFamily family, const BootstrapPaths& paths) {
  switch (family) {
    case RuntimeFamily::kPython:
      return {paths.python_path, "-u", paths.runtime_dir + "/python/bootstrap.py"};
    case RuntimeFamily::kNode:
      return {paths.node_path, paths.runtime_dir + "/node/bootstrap.mjs"};
    case RuntimeFamily::kProvided:
      break;
  }
  return {paths.task_root + "/bootstrap"};
}

absl::Status CheckRuntimeDependencies(RuntimeFamily family, const std::string& runtimes_dir) {
  if (family != RuntimeFamily::kNode) return absl::OkStatus();
  const std::string node_dir = runtimes_dir + "/node";
  std::error_code ec;
  if (std::filesystem::exists(node_dir + "/node_modules/aws-lambda-ric/package.json", ec)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      "the nodejs runtimes need aws-lambda-ric, which is not installed in " + node_dir +
      "/node_modules; install it with: npm ci --ignore-scripts --omit=dev --prefix " + node_dir);
}

namespace {

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const size_t colon = dirs.find(':');
    const std::string candidate = std::string(dirs.substr(0, colon)) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
  }
  return "/usr/bin/" + program;
}

std::string AskPythonForItself() {
  const std::string python = FindOnPath("python3");
  const std::string command = python + " -c 'import sys; print(sys.executable)' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  char line[4096] = {};
  if (pipe && std::fgets(line, sizeof(line), pipe.get())) {
    std::string resolved(line);
    while (!resolved.empty() && (resolved.back() == '\n' || resolved.back() == '\r')) {
      resolved.pop_back();
    }
    if (!resolved.empty() && resolved.front() == '/') return resolved;
  }
  return python;
}

}  // namespace

const std::string& MachinePython() {
  static const std::string python = AskPythonForItself();
  return python;
}

const std::string& MachineNode() {
  static const std::string node = FindOnPath("node");
  return node;
}

}  // namespace serval::sandbox
