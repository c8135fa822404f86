#include "services/rds/create_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/text.h"
#include "services/rds/rds_errors.h"
#include "services/rds/rds_input.h"

namespace serval::rds {
namespace {

// The engines CreateDBInstance creates an instance of without a cluster, with what AWS gives an
// instance that does not say otherwise.
struct Engine {
  std::string_view name;
  std::string_view default_version;
  int64_t default_port;
  std::string_view license_model;
};

constexpr std::array<Engine, 13> kEngines{{
    {"mysql", "8.0.41", 3306, "general-public-license"},
    {"mariadb", "11.4.5", 3306, "general-public-license"},
    {"postgres", "17.4", 5432, "postgresql-license"},
    {"oracle-ee", "19.0.0.0.ru-2025-01.rur-2025-01.r1", 1521, "bring-your-own-license"},
    {"oracle-ee-cdb", "19.0.0.0.ru-2025-01.rur-2025-01.r1", 1521, "bring-your-own-license"},
    {"oracle-se2", "19.0.0.0.ru-2025-01.rur-2025-01.r1", 1521, "license-included"},
    {"oracle-se2-cdb", "19.0.0.0.ru-2025-01.rur-2025-01.r1", 1521, "license-included"},
    {"sqlserver-ee", "16.00.4165.4.v1", 1433, "license-included"},
    {"sqlserver-se", "16.00.4165.4.v1", 1433, "license-included"},
    {"sqlserver-ex", "16.00.4165.4.v1", 1433, "license-included"},
    {"sqlserver-web", "16.00.4165.4.v1", 1433, "license-included"},
    {"db2-se", "11.5.9.0.sb00000000.r1", 50000, "bring-your-own-license"},
    {"db2-ae", "11.5.9.0.sb00000000.r1", 50000, "bring-your-own-license"},
}};

// The storage types and the AllocatedStorage (GiB) each allows.
struct StorageType {
  std::string_view name;
  int64_t min_gib;
  int64_t max_gib;
};

constexpr std::array<StorageType, 5> kStorageTypes{{
    {"gp2", 20, 65536},
    {"gp3", 20, 65536},
    {"io1", 100, 65536},
    {"io2", 100, 65536},
    {"standard", 5, 3072},
}};

constexpr int64_t kMinPort = 1150;
constexpr int64_t kMaxPort = 65535;

template <typename Entry, size_t N>
const Entry* Named(const std::array<Entry, N>& entries, std::string_view name) {
  auto found = std::find_if(entries.begin(), entries.end(),
                            [&](const Entry& entry) { return entry.name == name; });
  return found == entries.end() ? nullptr : &*found;
}

// Only printable ASCII characters besides '/', '@', '"' and space, at least 8 of them.
absl::Status CheckPassword(std::string_view password) {
  const bool printable = std::all_of(password.begin(), password.end(), [](char c) {
    return c > ' ' && c < 0x7f && c != '/' && c != '@' && c != '"';
  });
  if (!printable) {
    return InvalidParameterValue(
        "The parameter MasterUserPassword is not a valid password. Only printable ASCII "
        "characters besides '/', '@', '\"', ' ' may be used.");
  }
  if (password.size() < 8) {
    return InvalidParameterValue(
        "The parameter MasterUserPassword is not a valid password because it is shorter than 8 "
        "characters.");
  }
  return absl::OkStatus();
}

bool IsInstanceClass(std::string_view name) {
  const std::vector<std::string_view> parts = SplitOn(name, '.');
  return parts.size() == 3 && parts[0] == "db" &&
         std::all_of(parts.begin() + 1, parts.end(), [](std::string_view part) {
           return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
             return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
           });
         });
}

// The storage part of `instance` (type and size) from the request.
absl::Status ReadStorage(const protocol::QueryRequest& request, DbInstance& instance) {
  instance.storage_type =
      request.Get("StorageType").value_or(request.Get("Iops").has_value() ? "io1" : "gp2");
  const StorageType* type = Named(kStorageTypes, instance.storage_type);
  if (type == nullptr) {
    return InvalidParameterValue("Invalid storage type: " + instance.storage_type);
  }
  absl::StatusOr<std::optional<int64_t>> size = IntParameter(request, "AllocatedStorage");
  if (!size.ok()) return size.status();
  if (!size->has_value()) {
    return InvalidParameterValue(
        "The parameter AllocatedStorage must be provided and must not be null.");
  }
  instance.allocated_storage = **size;
  if (instance.allocated_storage < type->min_gib || instance.allocated_storage > type->max_gib) {
    return InvalidParameterCombination(
        fmt::format("Invalid storage size for engine name {} and storage type {}: {}",
                    instance.engine, instance.storage_type, instance.allocated_storage));
  }
  return absl::OkStatus();
}

// The scalar settings that need no more than parsing: numbers and booleans.
absl::Status ReadSettings(const protocol::QueryRequest& request, DbInstance& instance,
                          const Engine& engine) {
  absl::StatusOr<std::optional<int64_t>> port = IntParameter(request, "Port");
  if (!port.ok()) return port.status();
  instance.port = port->value_or(engine.default_port);
  if (instance.port < kMinPort || instance.port > kMaxPort) {
    return InvalidParameterValue(fmt::format("Invalid value {} for Port: it must be from {} to {}.",
                                             instance.port, kMinPort, kMaxPort));
  }
  absl::StatusOr<std::optional<int64_t>> retention = IntParameter(request, "BackupRetentionPeriod");
  if (!retention.ok()) return retention.status();
  instance.backup_retention_period = retention->value_or(1);
  const std::pair<std::string_view, bool*> flags[] = {
      {"MultiAZ", &instance.multi_az},
      {"PubliclyAccessible", &instance.publicly_accessible},
      {"StorageEncrypted", &instance.storage_encrypted},
      {"AutoMinorVersionUpgrade", &instance.auto_minor_version_upgrade},
      {"DeletionProtection", &instance.deletion_protection},
  };
  for (const auto& [name, flag] : flags) {
    absl::StatusOr<bool> value = BoolParameter(request, name, *flag);
    if (!value.ok()) return value.status();
    *flag = *value;
  }
  return absl::OkStatus();
}

// The master user: a name, and a password that is checked and then forgotten.
absl::Status ReadMasterUser(const protocol::QueryRequest& request, DbInstance& instance) {
  instance.master_username = request.Get("MasterUsername").value_or("");
  if (instance.master_username.empty()) {
    return InvalidParameterValue(
        "The parameter MasterUsername must be provided and must not be blank.");
  }
  absl::StatusOr<bool> managed = BoolParameter(request, "ManageMasterUserPassword", false);
  if (!managed.ok()) return managed.status();
  const std::optional<std::string> password = request.Get("MasterUserPassword");
  if (*managed) {
    if (!password.has_value()) return absl::OkStatus();
    return InvalidParameterCombination(
        "Specify either MasterUserPassword or ManageMasterUserPassword, not both.");
  }
  if (!password.has_value() || password->empty()) {
    return InvalidParameterValue(
        "The parameter MasterUserPassword must be provided and must not be blank.");
  }
  return CheckPassword(*password);
}

}  // namespace

absl::StatusOr<DbInstance> ReadCreateRequest(const protocol::QueryRequest& request,
                                             const AccountContext& account) {
  absl::StatusOr<std::string> identifier = RequiredParameter(request, "DBInstanceIdentifier");
  if (!identifier.ok()) return identifier.status();
  absl::StatusOr<std::string> instance_class = RequiredParameter(request, "DBInstanceClass");
  if (!instance_class.ok()) return instance_class.status();
  absl::StatusOr<std::string> engine_name = RequiredParameter(request, "Engine");
  if (!engine_name.ok()) return engine_name.status();
  if (absl::Status valid = ValidateIdentifier(*identifier); !valid.ok()) return valid;

  DbInstance instance;
  instance.identifier = AsciiToLower(*identifier);
  instance.engine = AsciiToLower(*engine_name);
  const Engine* engine = Named(kEngines, instance.engine);
  if (engine == nullptr) return InvalidParameterValue("Invalid DB engine");
  if (!IsInstanceClass(*instance_class)) {
    return InvalidParameterValue("Invalid DB Instance class: " + *instance_class);
  }
  instance.instance_class = *std::move(instance_class);
  instance.engine_version =
      request.Get("EngineVersion").value_or(std::string(engine->default_version));
  instance.license_model = request.Get("LicenseModel").value_or(std::string(engine->license_model));
  instance.db_name = request.Get("DBName").value_or("");
  instance.availability_zone = request.Get("AvailabilityZone").value_or(account.region + "a");
  for (absl::Status read : {ReadMasterUser(request, instance), ReadStorage(request, instance),
                            ReadSettings(request, instance, *engine)}) {
    if (!read.ok()) return read;
  }
  absl::StatusOr<std::map<std::string, std::string>> tags = ReadTags(request);
  if (!tags.ok()) return tags.status();
  instance.tags = *std::move(tags);
  return instance;
}

}  // namespace serval::rds
