#include "server/code_bundle.h"

#include <fmt/format.h>
#include <zip.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace serval::server {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// 2024-01-01T00:00:00Z: every entry's modification time.
constexpr time_t kEntryTime = 1704067200;

struct Entry {
  std::string name;
  std::string bytes;
  bool executable = false;
};

bool IsExecutable(const fs::path& path) {
  std::error_code ec;
  return (fs::status(path, ec).permissions() & fs::perms::owner_exec) != fs::perms::none;
}

// The zip of `entries`, written by libzip into a memory buffer.
absl::StatusOr<std::string> Zip(const std::vector<Entry>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_t* archive = buffer ? zip_open_from_source(buffer, ZIP_TRUNCATE, &error) : nullptr;
  if (!archive) {
    if (buffer) zip_source_free(buffer);
    zip_error_fini(&error);
    return absl::InternalError("cannot create a zip in memory");
  }
  zip_source_keep(buffer);  // outlives zip_close, which writes into it
  bool ok = true;
  for (const Entry& entry : entries) {
    zip_source_t* source = zip_source_buffer(archive, entry.bytes.data(), entry.bytes.size(), 0);
    const zip_int64_t index =
        source ? zip_file_add(archive, entry.name.c_str(), source, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (source) zip_source_free(source);
      ok = false;
      break;
    }
    const zip_uint32_t mode = entry.executable ? 0100755u : 0100644u;
    ok = zip_file_set_mtime(archive, index, kEntryTime, 0) == 0 &&
         zip_file_set_external_attributes(archive, index, 0, ZIP_OPSYS_UNIX, mode << 16) == 0;
    if (!ok) break;
  }
  if (!ok || zip_close(archive) != 0) {
    zip_discard(archive);  // what zip_close failed on is still open
    zip_source_free(buffer);
    zip_error_fini(&error);
    return absl::InternalError("cannot write the zip");
  }
  std::string out;
  if (zip_source_open(buffer) == 0) {
    zip_source_seek(buffer, 0, SEEK_END);
    const zip_int64_t size = zip_source_tell(buffer);
    zip_source_seek(buffer, 0, SEEK_SET);
    out.resize(size > 0 ? static_cast<size_t>(size) : 0);
    if (size <= 0 || zip_source_read(buffer, out.data(), out.size()) != size) out.clear();
    zip_source_close(buffer);
  }
  zip_source_free(buffer);
  zip_error_fini(&error);
  if (out.empty()) return absl::InternalError("cannot read the zip back");
  return out;
}

absl::StatusOr<std::vector<Entry>> FileEntries(const json::value& files, const fs::path& dir) {
  if (!files.is_array() || files.get_array().empty()) {
    return absl::InvalidArgumentError("Code.Files must be a non-empty list of file names");
  }
  std::vector<Entry> entries;
  for (const json::value& file : files.get_array()) {
    if (!file.is_string()) return absl::InvalidArgumentError("Code.Files must list strings");
    auto normal = PathInside(file.get_string(), "Code.Files");
    if (!normal.ok()) return normal.status();
    auto bytes = ReadBlueprintFile(dir / *normal);
    if (!bytes.ok()) return bytes.status();
    entries.push_back({.name = normal->string(),
                       .bytes = *std::move(bytes),
                       .executable = IsExecutable(dir / *normal)});
  }
  return entries;
}

absl::StatusOr<std::vector<Entry>> BootstrapEntry(const json::value& target, const fs::path& dir,
                                                  const fs::path& build_dir) {
  if (!target.is_string() || target.get_string().empty()) {
    return absl::InvalidArgumentError("Code.Bootstrap must name a build target");
  }
  const std::string name(target.get_string());
  const fs::path binary =
      build_dir / "blueprints" / fs::absolute(dir).lexically_normal().filename() / name;
  if (!fs::exists(binary)) {
    return absl::NotFoundError(fmt::format("{} is not built (cmake --build {} --target {})",
                                           binary.string(), build_dir.string(), name));
  }
  auto bytes = ReadBlueprintFile(binary);
  if (!bytes.ok()) return bytes.status();
  return std::vector<Entry>{{.name = "bootstrap", .bytes = *std::move(bytes), .executable = true}};
}

}  // namespace

absl::StatusOr<std::string> ReadBlueprintFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path.string());
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

absl::StatusOr<fs::path> PathInside(std::string_view relative, std::string_view property) {
  const fs::path path{std::string(relative)};
  const fs::path normal = path.lexically_normal();
  if (path.empty() || path.is_absolute() || normal.string().starts_with("..")) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: \"{}\" must be a path inside the blueprint directory", property, relative));
  }
  return normal;
}

absl::StatusOr<std::string> BuildCodeZip(const json::value& code, const fs::path& blueprint_dir,
                                         const fs::path& build_dir) {
  const json::object* object = code.if_object();
  if (!object || object->size() != 1 ||
      !(object->contains("Files") || object->contains("Bootstrap"))) {
    return absl::InvalidArgumentError(
        "Code must be {\"Files\": [...]} or {\"Bootstrap\": \"TARGET\"}");
  }
  auto entries = object->contains("Files")
                     ? FileEntries(object->at("Files"), blueprint_dir)
                     : BootstrapEntry(object->at("Bootstrap"), blueprint_dir, build_dir);
  if (!entries.ok()) return entries.status();
  return Zip(*entries);
}

}  // namespace serval::server
