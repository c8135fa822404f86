#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/metadata_store.h"

namespace serval::storage {

// Writes for a service's in-memory view of its records (a registry, a rule store), kept on the
// io thread: the view changes first, so every later request sees the change, then its records
// are written with WriteAsync and the request is answered in `done`, once they are durable.
//
// When a write fails, `read_back` runs before `done`: the view reloads from the store what the
// write touched. Writes sent meanwhile were built on the change that failed, so from a failure
// until no write is in flight every completion reads back what its write touched; completions
// arrive in submission order, so the view then matches the store again. Io thread only.
class ViewWriter {
 public:
  explicit ViewWriter(MetadataStore* store) : store_(store) {}

  void Write(WriteBatch batch, std::function<void()> read_back, MetadataStore::WriteCallback done) {
    ++in_flight_;
    store_->WriteAsync(std::move(batch), [this, read_back = std::move(read_back),
                                          done = std::move(done)](absl::Status status) {
      --in_flight_;
      if (!status.ok()) reading_back_ = true;
      if (reading_back_) read_back();
      if (in_flight_ == 0) reading_back_ = false;
      done(std::move(status));
      if (in_flight_ == 0) {
        for (auto& then : std::exchange(settled_, {})) then();
      }
    });
  }

  // Runs `then` once no write is in flight (at once if none is): the view then holds only what
  // is durable. For decisions that must not count on a change still being written (removing a
  // code package no record names, answering with a version published a moment ago).
  void WhenSettled(std::function<void()> then) {
    if (in_flight_ == 0) return then();
    settled_.push_back(std::move(then));
  }

 private:
  MetadataStore* store_;
  int in_flight_ = 0;
  bool reading_back_ = false;
  std::vector<std::function<void()>> settled_;
};

// What a view's read_back does for one record: `view[key]` becomes the record the store holds
// (`stored`, as MetadataStore::Get returned it, made a value by `parse`), or is erased when the
// store holds none (or it cannot be read or parsed).
template <typename View, typename Key, typename Parse>
void ReplaceWithStored(View& view, const Key& key,
                       const absl::StatusOr<std::optional<std::string>>& stored, Parse parse) {
  if (stored.ok() && stored->has_value()) {
    if (auto value = parse(**stored); value.ok()) {
      view[key] = *std::move(value);
      return;
    }
  }
  view.erase(key);
}

}  // namespace serval::storage
