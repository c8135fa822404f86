#pragma once

#include <string>

namespace serval::server {

// `serval deploy BLUEPRINT_DIR [--endpoint-url URL]`: deploys a blueprint's function to a
// running Serval. BLUEPRINT_DIR/serval-blueprint.json names the function and its configuration
// (FunctionName, Runtime, Handler, MemorySize, Timeout, Description) and the build target whose
// binary becomes the zip's `bootstrap` (Bootstrap; found as BUILD_DIR/blueprints/NAME/TARGET,
// BUILD_DIR being where the serval binary is). Creates the function, or updates its code and
// configuration if it exists. Signs with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (default
// test/test). Returns the exit code.
int Deploy(const std::string& blueprint_dir, const std::string& endpoint_url);

}  // namespace serval::server
