#include "services/ec2/instance_store.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace serval::ec2 {
namespace {

constexpr std::string_view kTable = "ec2.instances";

}  // namespace

absl::StatusOr<std::unique_ptr<InstanceStore>> InstanceStore::Open(storage::MetadataStore* store,
                                                                   int64_t now_millis) {
  std::unique_ptr<InstanceStore> instances(new InstanceStore(store));
  absl::StatusOr<std::vector<storage::Record>> stored = store->Scan(kTable, {});
  if (!stored.ok()) return stored.status();
  storage::WriteBatch expired;
  for (const storage::Record& record : *stored) {
    absl::StatusOr<Instance> instance = DecodeInstance(record.key, record.value);
    if (!instance.ok()) return instance.status();
    instances->next_sequence_ = std::max(instances->next_sequence_, instance->sequence + 1);
    if (Expired(*instance, now_millis)) {
      expired.Delete(std::string(kTable), record.key);
      continue;
    }
    const std::string id = instance->id;
    instances->Replace(id, *std::move(instance));
  }
  if (!expired.ops().empty()) {
    if (absl::Status written = store->Write(expired); !written.ok()) return written;
  }
  return instances;
}

const Instance* InstanceStore::Find(std::string_view id) const {
  auto sequence = sequence_of_.find(absl::string_view(id.data(), id.size()));
  if (sequence == sequence_of_.end()) return nullptr;
  return &instances_.at(sequence->second);
}

void InstanceStore::Replace(std::string id, std::optional<Instance> instance) {
  if (auto sequence = sequence_of_.find(id); sequence != sequence_of_.end()) {
    instances_.erase(sequence->second);
    sequence_of_.erase(sequence);
  }
  if (instance) {
    next_sequence_ = std::max(next_sequence_, instance->sequence + 1);
    sequence_of_[id] = instance->sequence;
    instances_.emplace(instance->sequence, *std::move(instance));
  }
}

void InstanceStore::ReadBack(const std::string& id) {
  std::optional<Instance> stored;
  if (auto encoded = store_->Get(kTable, id); encoded.ok() && encoded->has_value()) {
    if (auto decoded = DecodeInstance(id, **encoded); decoded.ok()) stored = *std::move(decoded);
  }
  Replace(id, std::move(stored));
}

void InstanceStore::Put(std::vector<Instance> changed, int64_t now_millis, Done done) {
  storage::WriteBatch batch;
  std::vector<std::string> touched;
  for (const auto& [sequence, instance] : instances_) {
    if (Expired(instance, now_millis)) touched.push_back(instance.id);
  }
  for (const std::string& id : touched) {
    batch.Delete(std::string(kTable), id);
    Replace(id, std::nullopt);
  }
  for (Instance& instance : changed) {
    const std::string id = instance.id;
    batch.Put(std::string(kTable), id, EncodeInstance(instance));
    touched.push_back(id);
    Replace(id, std::move(instance));
  }
  writer_.Write(
      std::move(batch),
      [this, touched = std::move(touched)] {
        for (const std::string& id : touched) ReadBack(id);
      },
      std::move(done));
}

}  // namespace serval::ec2
