#include "server/manifest_files.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <string_view>

#include "server/code_bundle.h"
#include "services/apigateway/openapi_document.h"

namespace serval::server {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// A property naming a file, and the property its parsed content becomes.
struct FileProperty {
  std::string_view type;
  std::string_view file;
  std::string_view inline_property;
};
constexpr FileProperty kFileProperties[] = {{"RestApi", "BodyFile", "Body"}};

// A document in JSON or YAML, as API Gateway's importer reads one (the same parser).
absl::StatusOr<json::value> ReadDocument(const fs::path& dir, std::string_view name,
                                         std::string_view property) {
  auto relative = PathInside(name, property);
  if (!relative.ok()) return relative.status();
  auto text = ReadBlueprintFile(dir / *relative);
  if (!text.ok()) return text.status();
  auto document = apigateway::ParseOpenApiDocument(*text);
  if (!document.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {} is not a JSON or YAML object", property, relative->string()));
  }
  return *std::move(document);
}

absl::Status InlineList(json::array& resources, const std::string& path, const fs::path& dir) {
  for (size_t i = 0; i < resources.size(); ++i) {
    json::object* item = resources[i].if_object();
    if (!item) continue;  // PlanResources says what is wrong with it
    const std::string where = fmt::format("{}[{}]", path, i);
    if (json::value* nested = item->if_contains("Resources"); nested && nested->is_array()) {
      if (absl::Status status = InlineList(nested->get_array(), where + ".Resources", dir);
          !status.ok()) {
        return status;
      }
      continue;
    }
    const json::value* type = item->if_contains("Type");
    json::value* properties = item->if_contains("Properties");
    if (!type || !properties || !properties->is_object()) continue;
    json::object& props = properties->get_object();
    for (const FileProperty& file : kFileProperties) {
      const json::value* name = props.if_contains(file.file);
      if (!type->is_string() || type->get_string() != file.type || !name ||
          props.contains(file.inline_property)) {
        continue;
      }
      if (!name->is_string()) {
        return absl::InvalidArgumentError(
            fmt::format("{}: {} must name a file of the blueprint directory", where, file.file));
      }
      auto document = ReadDocument(dir, name->get_string(), file.file);
      if (!document.ok()) {
        return absl::Status(document.status().code(),
                            fmt::format("{}: {}", where, std::string(document.status().message())));
      }
      props.erase(file.file);
      props[file.inline_property] = *std::move(document);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InlinePropertyFiles(Manifest& manifest, const fs::path& blueprint_dir) {
  return InlineList(manifest.resources, "Resources", blueprint_dir);
}

}  // namespace serval::server
