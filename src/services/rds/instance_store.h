#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "services/rds/db_instance.h"
#include "storage/metadata_store.h"
#include "storage/view_writer.h"

namespace serval::rds {

// The DB instance records, in memory and written through to the metadata table "rds.instances"
// (by identifier; docs/formats.md, "RDS"). The store knows the clock and the transition time,
// so what it answers is each instance's status now: an instance whose deletion has settled is
// gone from every read, and its record is dropped with the next write. A change is visible at
// once and acknowledged (`done`) once it is on disk; what a write the disk refused touched is
// read back from the store before `done` hears the error (storage::ViewWriter). Runs only on
// the io thread.
class InstanceStore {
 public:
  using Done = std::function<void(absl::Status)>;
  using Instances = std::map<std::string, DbInstance, std::less<>>;

  // Loads every stored instance. `metadata` and `clock` must outlive the store.
  static absl::StatusOr<std::unique_ptr<InstanceStore>> Open(storage::MetadataStore* metadata,
                                                             const Clock* clock,
                                                             int64_t transition_millis);

  // The instance `identifier` (lower case) names, unless there is none or it is gone.
  const DbInstance* Find(std::string_view identifier) const;
  // `instance`'s status now.
  Status StatusOf(const DbInstance& instance) const;
  // Every record by identifier, gone ones included (skip those whose StatusOf is kGone).
  const Instances& instances() const { return instances_; }
  // How many instances are not gone.
  size_t LiveCount() const;

  // Adds or replaces `instance`.
  void Put(DbInstance instance, Done done);
  int64_t NowMillis() const { return clock_->NowMillis(); }

 private:
  InstanceStore(storage::MetadataStore* metadata, const Clock* clock, int64_t transition_millis)
      : metadata_(metadata),
        clock_(clock),
        transition_millis_(transition_millis),
        writer_(metadata) {}
  // Drops the records of gone instances from memory and adds their deletion to `batch`.
  void DropGone(storage::WriteBatch& batch);

  storage::MetadataStore* metadata_;
  const Clock* clock_;
  const int64_t transition_millis_;
  storage::ViewWriter writer_;
  Instances instances_;
};

}  // namespace serval::rds
