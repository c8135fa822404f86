#pragma once

#include <string>
#include <vector>

namespace serval::server {

// `serval deploy BLUEPRINT_DIR [--endpoint-url URL] [--parameter NAME=VALUE ...]`: makes a
// running Serval hold what BLUEPRINT_DIR/serval-blueprint.json declares (docs/blueprints.md):
// its resources (buckets, topics, functions, permissions, subscriptions, bucket notifications,
// REST APIs) in order, created where missing, updated where they differ, left alone where they
// match, so a redeploy is safe. Only Serval's public APIs are used, signed with AWS_ACCESS_KEY_ID/
// AWS_SECRET_ACCESS_KEY (default test/test). The manifest and the parameters are checked, the
// documents it names read, and every package built, before the first call. Prints one line per
// resource; returns the exit code (1, with the reason on stderr, for a bad manifest or parameter or
// a refused call).
struct DeployOptions {
  std::string blueprint_dir;
  std::string endpoint_url = "http://127.0.0.1:4566";
  std::vector<std::string> parameters;  // NAME=VALUE
};
int Deploy(const DeployOptions& options);

}  // namespace serval::server
