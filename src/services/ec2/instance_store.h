#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/ec2/instance.h"
#include "storage/metadata_store.h"
#include "storage/view_writer.h"

namespace serval::ec2 {

// Instance records, in memory in launch order and written through to the metadata store (table
// "ec2.instances" by instance id; docs/formats.md, "EC2"). A change is visible at once and
// acknowledged (`done`) once it is on disk; what a write the disk refused touched is read back
// from the store before `done` hears the error (storage::ViewWriter). Terminated instances past
// their visible hour are dropped at Open and with the next change after they expire. Runs only on
// the io thread.
class InstanceStore {
 public:
  using Done = std::function<void(absl::Status)>;
  using Instances = std::map<uint64_t, Instance>;  // by sequence

  // Loads every stored instance still visible at `now_millis`. `store` must outlive this.
  static absl::StatusOr<std::unique_ptr<InstanceStore>> Open(storage::MetadataStore* store,
                                                             int64_t now_millis);

  const Instance* Find(std::string_view id) const;
  const Instances& instances() const { return instances_; }
  // The sequence number the next launched instance gets.
  uint64_t NextSequence() const { return next_sequence_; }

  // Puts `changed` (new or replacing records of the same id) and drops what expired by
  // `now_millis`, in one write.
  void Put(std::vector<Instance> changed, int64_t now_millis, Done done);

 private:
  explicit InstanceStore(storage::MetadataStore* store) : store_(store), writer_(store) {}
  // Replaces (or with nullopt removes) the record of `id`.
  // The key by value: a caller may pass one held by the entry this erases.
  void Replace(std::string id, std::optional<Instance> instance);
  // The record of `id` becomes what the store holds.
  void ReadBack(const std::string& id);

  storage::MetadataStore* store_;
  storage::ViewWriter writer_;
  Instances instances_;
  absl::flat_hash_map<std::string, uint64_t> sequence_of_;
  uint64_t next_sequence_ = 1;
};

}  // namespace serval::ec2
