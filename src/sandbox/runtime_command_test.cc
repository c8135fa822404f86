#include "sandbox/runtime_command.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace serval::sandbox {
namespace {

TEST(RuntimeCommand, FamiliesOfKnownRuntimes) {
  EXPECT_EQ(*FamilyOf("python3.9"), RuntimeFamily::kPython);
  EXPECT_EQ(*FamilyOf("python3.13"), RuntimeFamily::kPython);
  EXPECT_EQ(*FamilyOf("nodejs20.x"), RuntimeFamily::kNode);
  EXPECT_EQ(*FamilyOf("provided.al2023"), RuntimeFamily::kProvided);
  EXPECT_FALSE(FamilyOf("python2.7").ok());
  EXPECT_FALSE(FamilyOf("java21").ok());
  EXPECT_FALSE(FamilyOf("").ok());
}

TEST(RuntimeCommand, BootstrapArgvPerFamily) {
  const BootstrapPaths paths{.task_root = "/var/task",
                             .runtime_dir = "/var/runtime",
                             .python_path = "/usr/bin/python3",
                             .node_path = "/usr/bin/node"};
  EXPECT_EQ(BootstrapArgv(RuntimeFamily::kProvided, paths),
            std::vector<std::string>{"/var/task/bootstrap"});
  EXPECT_EQ(
      BootstrapArgv(RuntimeFamily::kPython, paths),
      (std::vector<std::string>{"/usr/bin/python3", "-u", "/var/runtime/python/bootstrap.py"}));
  EXPECT_EQ(BootstrapArgv(RuntimeFamily::kNode, paths),
            (std::vector<std::string>{"/usr/bin/node", "/var/runtime/node/bootstrap.mjs"}));
}

TEST(RuntimeCommand, NodeRuntimeWithoutItsDependencyNamesTheInstallCommand) {
  char pattern[] = "/tmp/runtimes-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  const absl::Status missing = CheckRuntimeDependencies(RuntimeFamily::kNode, dir);
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.message().find("aws-lambda-ric"), std::string_view::npos) << missing;
  EXPECT_NE(missing.message().find("npm ci --ignore-scripts --omit=dev --prefix " + dir + "/node"),
            std::string_view::npos)
      << missing;
  EXPECT_TRUE(CheckRuntimeDependencies(RuntimeFamily::kPython, dir).ok());
  EXPECT_TRUE(CheckRuntimeDependencies(RuntimeFamily::kProvided, dir).ok());

  std::filesystem::create_directories(dir + "/node/node_modules/aws-lambda-ric");
  std::ofstream(dir + "/node/node_modules/aws-lambda-ric/package.json") << "{}";
  EXPECT_TRUE(CheckRuntimeDependencies(RuntimeFamily::kNode, dir).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace serval::sandbox
