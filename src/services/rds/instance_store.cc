#include "services/rds/instance_store.h"

#include <boost/json.hpp>
#include <optional>
#include <utility>

#include "common/json_fields.h"

namespace serval::rds {
namespace {

namespace json = boost::json;

constexpr std::string_view kTable = "rds.instances";

bool BoolMember(const json::object& object, std::string_view key, bool fallback) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_bool() ? value->get_bool() : fallback;
}

std::string Encode(const DbInstance& instance) {
  return json::serialize(
      json::object{{"class", instance.instance_class},
                   {"engine", instance.engine},
                   {"engine_version", instance.engine_version},
                   {"license_model", instance.license_model},
                   {"allocated_storage", instance.allocated_storage},
                   {"storage_type", instance.storage_type},
                   {"master_username", instance.master_username},
                   {"db_name", instance.db_name},
                   {"port", instance.port},
                   {"availability_zone", instance.availability_zone},
                   {"backup_retention_period", instance.backup_retention_period},
                   {"multi_az", instance.multi_az},
                   {"publicly_accessible", instance.publicly_accessible},
                   {"storage_encrypted", instance.storage_encrypted},
                   {"auto_minor_version_upgrade", instance.auto_minor_version_upgrade},
                   {"deletion_protection", instance.deletion_protection},
                   {"resource_id", instance.resource_id},
                   {"created", instance.created_millis},
                   {"tags", StringMapToJson(instance.tags)},
                   {"status", StatusName(instance.status)},
                   {"status_since", instance.status_millis}});
}

absl::StatusOr<DbInstance> Decode(std::string_view identifier, std::string_view text) {
  absl::StatusOr<json::object> record = ParseStoredObject(text);
  if (!record.ok()) return record.status();
  const std::string status_name = StringMember(*record, "status");
  const std::optional<Status> status = StatusNamed(status_name);
  if (!status.has_value()) {
    return absl::DataLossError("rds.instances " + std::string(identifier) + ": unknown status " +
                               status_name);
  }
  return DbInstance{
      .identifier = std::string(identifier),
      .instance_class = StringMember(*record, "class"),
      .engine = StringMember(*record, "engine"),
      .engine_version = StringMember(*record, "engine_version"),
      .license_model = StringMember(*record, "license_model"),
      .allocated_storage = IntMember(*record, "allocated_storage", 0),
      .storage_type = StringMember(*record, "storage_type"),
      .master_username = StringMember(*record, "master_username"),
      .db_name = StringMember(*record, "db_name"),
      .port = IntMember(*record, "port", 0),
      .availability_zone = StringMember(*record, "availability_zone"),
      .backup_retention_period = IntMember(*record, "backup_retention_period", 1),
      .multi_az = BoolMember(*record, "multi_az", false),
      .publicly_accessible = BoolMember(*record, "publicly_accessible", false),
      .storage_encrypted = BoolMember(*record, "storage_encrypted", false),
      .auto_minor_version_upgrade = BoolMember(*record, "auto_minor_version_upgrade", true),
      .deletion_protection = BoolMember(*record, "deletion_protection", false),
      .resource_id = StringMember(*record, "resource_id"),
      .created_millis = IntMember(*record, "created", 0),
      .tags = StringMapFromJson(record->if_contains("tags")),
      .status = *status,
      .status_millis = IntMember(*record, "status_since", 0)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<InstanceStore>> InstanceStore::Open(storage::MetadataStore* metadata,
                                                                   const Clock* clock,
                                                                   int64_t transition_millis) {
  std::unique_ptr<InstanceStore> store(new InstanceStore(metadata, clock, transition_millis));
  absl::StatusOr<std::vector<storage::Record>> records = metadata->Scan(kTable, {});
  if (!records.ok()) return records.status();
  for (const storage::Record& record : *records) {
    absl::StatusOr<DbInstance> instance = Decode(record.key, record.value);
    if (!instance.ok()) return instance.status();
    store->instances_.emplace(record.key, *std::move(instance));
  }
  return store;
}

Status InstanceStore::StatusOf(const DbInstance& instance) const {
  return StatusAt(instance.status, instance.status_millis, clock_->NowMillis(), transition_millis_);
}

const DbInstance* InstanceStore::Find(std::string_view identifier) const {
  auto found = instances_.find(identifier);
  if (found == instances_.end() || StatusOf(found->second) == Status::kGone) return nullptr;
  return &found->second;
}

size_t InstanceStore::LiveCount() const {
  size_t live = 0;
  for (const auto& [identifier, instance] : instances_) {
    if (StatusOf(instance) != Status::kGone) ++live;
  }
  return live;
}

void InstanceStore::DropGone(storage::WriteBatch& batch) {
  for (auto it = instances_.begin(); it != instances_.end();) {
    if (StatusOf(it->second) != Status::kGone) {
      ++it;
      continue;
    }
    batch.Delete(std::string(kTable), it->first);
    it = instances_.erase(it);
  }
}

void InstanceStore::Put(DbInstance instance, Done done) {
  storage::WriteBatch batch;
  // A gone record read back after a failed write stays invisible, and is dropped again next
  // time: only the put record needs reading back.
  DropGone(batch);
  const std::string identifier = instance.identifier;
  batch.Put(std::string(kTable), identifier, Encode(instance));
  instances_.insert_or_assign(identifier, std::move(instance));
  writer_.Write(
      std::move(batch),
      [this, identifier] {
        storage::ReplaceWithStored(
            instances_, identifier, metadata_->Get(kTable, identifier),
            [&identifier](std::string_view encoded) { return Decode(identifier, encoded); });
      },
      std::move(done));
}

}  // namespace serval::rds
