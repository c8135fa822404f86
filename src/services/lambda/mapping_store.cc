#include "services/lambda/mapping_store.h"

#include <fmt/format.h>

namespace serval::lambda {
namespace {

// The metadata tables and keys (docs/formats.md). UUIDs have no '/'.
constexpr char kMappings[] = "lambda.event_source_mappings";
constexpr char kCheckpoints[] = "lambda.stream_checkpoints";

std::string CheckpointKey(std::string_view uuid, std::string_view shard_id) {
  return fmt::format("{}/{}", uuid, shard_id);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MappingStore>> MappingStore::Open(storage::MetadataStore* store) {
  std::unique_ptr<MappingStore> mappings(new MappingStore(store));
  if (auto status = mappings->Load(); !status.ok()) return status;
  return mappings;
}

absl::Status MappingStore::Load() {
  auto records = store_->Scan(kMappings, {});
  if (!records.ok()) return records.status();
  for (const storage::Record& record : *records) {
    auto mapping = MappingFromStorageJson(record.value);
    if (!mapping.ok()) return mapping.status();
    const std::string uuid = mapping->uuid;
    mappings_.emplace(uuid, *std::move(mapping));
  }
  auto checkpoints = store_->Scan(kCheckpoints, {});
  if (!checkpoints.ok()) return checkpoints.status();
  for (storage::Record& record : *checkpoints) {
    // A checkpoint whose write completed after its mapping was removed is an orphan: ignored.
    if (!mappings_.contains(std::string_view(record.key).substr(0, record.key.find('/')))) continue;
    checkpoints_.emplace(std::move(record.key), std::move(record.value));
  }
  return absl::OkStatus();
}

const EventSourceMapping* MappingStore::Find(std::string_view uuid) const {
  auto found = mappings_.find(uuid);
  return found == mappings_.end() ? nullptr : &found->second;
}

void MappingStore::Put(EventSourceMapping mapping,
                       const std::map<std::string, std::string>& checkpoints,
                       std::function<void(absl::Status)> done) {
  const std::string uuid = mapping.uuid;
  storage::WriteBatch batch;
  batch.Put(kMappings, uuid, ToStorageJson(mapping));
  for (const auto& [shard_id, sequence] : checkpoints) {
    batch.Put(kCheckpoints, CheckpointKey(uuid, shard_id), sequence);
    checkpoints_[CheckpointKey(uuid, shard_id)] = sequence;
  }
  mappings_.insert_or_assign(uuid, std::move(mapping));
  writer_.Write(
      std::move(batch), [this, uuid] { ReadBack(uuid); }, std::move(done));
}

void MappingStore::Remove(std::string uuid, std::function<void(absl::Status)> done) {
  mappings_.erase(uuid);
  ForgetCheckpoints(uuid);
  writer_.Write(
      storage::WriteBatch().Delete(kMappings, uuid).DeletePrefix(kCheckpoints, uuid + "/"),
      [this, uuid] { ReadBack(uuid); }, std::move(done));
}

void MappingStore::ForgetCheckpoints(const std::string& uuid) {
  checkpoints_.erase(checkpoints_.lower_bound(uuid + "/"),
                     checkpoints_.lower_bound(uuid + static_cast<char>('/' + 1)));
}

void MappingStore::ReadBack(const std::string& uuid) {
  mappings_.erase(uuid);
  ForgetCheckpoints(uuid);
  auto stored = store_->Get(kMappings, uuid);
  if (!stored.ok() || !stored->has_value()) return;
  auto mapping = MappingFromStorageJson(**stored);
  if (!mapping.ok()) return;
  mappings_.emplace(uuid, *std::move(mapping));
  auto checkpoints = store_->Scan(kCheckpoints, {.prefix = uuid + "/"});
  if (!checkpoints.ok()) return;
  for (storage::Record& record : *checkpoints) {
    checkpoints_.emplace(std::move(record.key), std::move(record.value));
  }
}

void MappingStore::SetLastProcessingResult(const std::string& uuid, std::string_view result) {
  auto found = mappings_.find(uuid);
  if (found != mappings_.end()) found->second.last_processing_result = std::string(result);
}

std::string MappingStore::Checkpoint(std::string_view uuid, std::string_view shard_id) const {
  auto found = checkpoints_.find(CheckpointKey(uuid, shard_id));
  return found == checkpoints_.end() ? std::string() : found->second;
}

void MappingStore::SaveCheckpoint(const std::string& uuid, const std::string& shard_id,
                                  std::string sequence, std::function<void(absl::Status)> done) {
  if (!mappings_.contains(uuid)) return done(absl::OkStatus());  // nothing left to resume
  std::string key = CheckpointKey(uuid, shard_id);
  store_->WriteAsync(
      storage::WriteBatch().Put(kCheckpoints, key, sequence),
      [this, uuid, key, sequence, done = std::move(done)](absl::Status status) mutable {
        if (status.ok() && mappings_.contains(uuid)) checkpoints_[key] = std::move(sequence);
        done(status);
      });
}

}  // namespace serval::lambda
