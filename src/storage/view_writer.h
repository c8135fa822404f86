#pragma once

#include <cstdint>
#include <functional>
#include <utility>

#include "storage/metadata_store.h"

namespace serval::storage {

// Writes for a service's in-memory view of its records (a registry, a rule store), kept on the
// io thread: the view changes first, so every later request sees the change, then its records
// are written with WriteAsync and the request is answered in `done`, once they are durable.
//
// When a write fails, `read_back` runs before `done`: the view reloads from the store what the
// write touched and again matches the disk. It also runs for a write that succeeds after an
// earlier one failed, since its records were built on a change that did not last. Completions
// arrive in submission order, so a view that reloads in `read_back` ends as the store is.
class ViewWriter {
 public:
  explicit ViewWriter(MetadataStore* store) : store_(store) {}

  void Write(WriteBatch batch, std::function<void()> read_back, MetadataStore::WriteCallback done) {
    store_->WriteAsync(std::move(batch),
                       [this, failed_before = failed_writes_, read_back = std::move(read_back),
                        done = std::move(done)](absl::Status status) {
                         if (!status.ok()) ++failed_writes_;
                         if (failed_writes_ != failed_before) read_back();
                         done(std::move(status));
                       });
  }

 private:
  MetadataStore* store_;
  uint64_t failed_writes_ = 0;  // io thread only
};

}  // namespace serval::storage
