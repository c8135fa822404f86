#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/lambda/event_source_mapping.h"
#include "storage/metadata_store.h"
#include "storage/view_writer.h"

namespace serval::lambda {

// Event source mappings and how far each has delivered every shard of its stream, in memory and
// written through to the metadata store before a change is acknowledged (tables
// "lambda.event_source_mappings" by UUID and "lambda.stream_checkpoints" by UUID "/" shard id;
// docs/formats.md). Runs only on the io thread, which it never blocks on a write.
class MappingStore {
 public:
  // Loads every stored mapping and checkpoint. `store` must outlive the MappingStore.
  static absl::StatusOr<std::unique_ptr<MappingStore>> Open(storage::MetadataStore* store);

  const EventSourceMapping* Find(std::string_view uuid) const;
  const std::map<std::string, EventSourceMapping, std::less<>>& mappings() const {
    return mappings_;
  }
  // Put and Remove take effect in memory at once; `done` runs on the io thread once the change is
  // durable. A mapping whose write fails is read back from the store (storage::ViewWriter).
  //
  // Inserts or replaces a mapping, together with `checkpoints` (shard id -> sequence number
  // already delivered: where a LATEST start begins).
  void Put(EventSourceMapping mapping, const std::map<std::string, std::string>& checkpoints,
           std::function<void(absl::Status)> done);
  // Removes a mapping and its checkpoints.
  // The key by value: a caller may pass one held by the entry this erases.
  void Remove(std::string uuid, std::function<void(absl::Status)> done);
  // LastProcessingResult: kept in memory, stored with the mapping's next change.
  void SetLastProcessingResult(const std::string& uuid, std::string_view result);

  // The sequence number last delivered from the shard; empty when none was (TRIM_HORIZON).
  std::string Checkpoint(std::string_view uuid, std::string_view shard_id) const;
  // Stores the shard's checkpoint; `done` runs on the io thread once it is durable (the checkpoint
  // read back changes only then). A mapping that is gone gets none (`done` hears OK).
  void SaveCheckpoint(const std::string& uuid, const std::string& shard_id, std::string sequence,
                      std::function<void(absl::Status)> done);

 private:
  explicit MappingStore(storage::MetadataStore* store) : store_(store), writer_(store) {}
  absl::Status Load();
  // Makes memory hold what the store holds for mapping `uuid` and its checkpoints.
  void ReadBack(const std::string& uuid);
  void ForgetCheckpoints(const std::string& uuid);

  storage::MetadataStore* store_;
  storage::ViewWriter writer_;
  std::map<std::string, EventSourceMapping, std::less<>> mappings_;
  // UUID "/" shard id -> sequence number.
  std::map<std::string, std::string, std::less<>> checkpoints_;
};

}  // namespace serval::lambda
