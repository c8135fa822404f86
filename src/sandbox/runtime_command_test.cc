#include "sandbox/runtime_command.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace serval::sandbox
