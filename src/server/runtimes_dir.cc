#include "server/runtimes_dir.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "sandbox/runtime_command.h"

namespace serval::server {

std::string ResolveRuntimesDir(const std::string& configured) {
  namespace fs = std::filesystem;
  if (!configured.empty()) return fs::absolute(configured).string();
  if (const char* from_env = std::getenv("SERVAL_RUNTIMES_DIR"); from_env && *from_env) {
    return fs::absolute(from_env).string();
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path beside = exe.parent_path().parent_path() / "runtimes";
    if (fs::exists(beside / "python" / "bootstrap.py", ec)) return beside.string();
  }
  return SERVAL_SOURCE_DIR "/runtimes";
}

std::string SpareBootstrapPath() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path beside = fs::read_symlink("/proc/self/exe", ec).parent_path() /
                          "serval-spare-bootstrap";
  return !ec && access(beside.c_str(), X_OK) == 0 ? beside.string() : "";
}

std::vector<std::string> MissingRuntimeDependencies(const std::string& runtimes_dir) {
  using sandbox::RuntimeFamily;
  std::vector<std::string> missing;
  for (RuntimeFamily family :
       {RuntimeFamily::kProvided, RuntimeFamily::kPython, RuntimeFamily::kNode}) {
    if (auto status = sandbox::CheckRuntimeDependencies(family, runtimes_dir); !status.ok()) {
      missing.emplace_back(status.message());
    }
  }
  return missing;
}

}  // namespace serval::server
