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
    instances->Swap(id, *std::move(instance));
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

std::optional<Instance> InstanceStore::Swap(const std::string& id,
                                            std::optional<Instance> instance) {
  std::optional<Instance> previous;
  if (auto sequence = sequence_of_.find(id); sequence != sequence_of_.end()) {
    auto found = instances_.find(sequence->second);
    previous = std::move(found->second);
    instances_.erase(found);
    sequence_of_.erase(sequence);
  }
  if (instance) {
    next_sequence_ = std::max(next_sequence_, instance->sequence + 1);
    sequence_of_[id] = instance->sequence;
    instances_.emplace(instance->sequence, *std::move(instance));
  }
  return previous;
}

void InstanceStore::Put(std::vector<Instance> changed, int64_t now_millis, Done done) {
  storage::WriteBatch batch;
  std::vector<std::pair<std::string, std::optional<Instance>>> undo;
  for (const auto& [sequence, instance] : instances_) {
    if (Expired(instance, now_millis)) undo.emplace_back(instance.id, std::nullopt);
  }
  for (auto& [id, previous] : undo) {
    batch.Delete(std::string(kTable), id);
    previous = Swap(id, std::nullopt);
  }
  for (Instance& instance : changed) {
    const std::string id = instance.id;
    batch.Put(std::string(kTable), id, EncodeInstance(instance));
    undo.emplace_back(id, Swap(id, std::move(instance)));
  }
  store_->WriteAsync(std::move(batch), [this, undo = std::move(undo),
                                        done = std::move(done)](absl::Status status) mutable {
    if (!status.ok()) {
      for (auto it = undo.rbegin(); it != undo.rend(); ++it) Swap(it->first, std::move(it->second));
    }
    done(std::move(status));
  });
}

}  // namespace serval::ec2
