#pragma once

#include <boost/json/value.hpp>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::server {

// The deployment package of a blueprint Function, built in memory from its Code property:
//   {"Files": ["lambda_function.py", ...]}  files of the blueprint directory, each stored under
//                                           its path relative to it (executable bits kept);
//   {"Bootstrap": "TARGET"}                 the build target BUILD_DIR/blueprints/DIR/TARGET as
//                                           an executable `bootstrap` (provided runtimes).
// Entries carry a fixed time, so the same files give the same bytes and the same CodeSha256:
// a redeploy of unchanged code changes nothing. Thread-safe.
// The whole content of a file (the manifest, a code file); NotFound "cannot read PATH".
absl::StatusOr<std::string> ReadBlueprintFile(const std::filesystem::path& path);

// A file name a manifest gives (`property` says where, for the error): `relative`, normalized,
// or InvalidArgument when it is empty, absolute or leads out of the blueprint directory.
absl::StatusOr<std::filesystem::path> PathInside(std::string_view relative,
                                                 std::string_view property);

absl::StatusOr<std::string> BuildCodeZip(const boost::json::value& code,
                                         const std::filesystem::path& blueprint_dir,
                                         const std::filesystem::path& build_dir);

}  // namespace serval::server
