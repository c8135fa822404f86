#pragma once

#include <filesystem>

#include "absl/status/status.h"
#include "server/blueprint_manifest.h"

namespace serval::server {

// The documents a manifest keeps in files of its blueprint directory, read into it before it is
// planned: a RestApi's `BodyFile` (an OpenAPI or Swagger document, JSON or YAML) becomes its
// `Body`, so that the `${...}` inside is checked with the rest of the manifest and substituted
// like any property. A resource that also gives the inline property is left for PlanResources
// to refuse. InvalidArgument (or NotFound for a missing file) names the resource and the file.
// Thread-compatible.
absl::Status InlinePropertyFiles(Manifest& manifest, const std::filesystem::path& blueprint_dir);

}  // namespace serval::server
