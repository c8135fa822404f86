#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "common/worker.h"

namespace serval::storage {

// Runs a closure on the io thread (asio::post in the server). Completions reach callers on the io
// thread only through it, in the order posted.
using PostToIo = std::function<void(std::function<void()>)>;

// Runs the blocking `op` (a blob read or write, a scan) on `worker`, then `done(result)` on the io
// thread through `post_to_io`: how the io thread uses a store call without waiting for a disk.
// `op` and `done` are copyable callables; the result may be move-only. Whatever they refer to must
// outlive the worker's run of `op` and the io thread's run of `done`.
template <typename Op, typename Done>
void Offload(Worker& worker, PostToIo post_to_io, Op op, Done done) {
  worker.Post([post_to_io = std::move(post_to_io), op = std::move(op), done = std::move(done)] {
    auto result = std::make_shared<decltype(op())>(op());
    post_to_io([result, done] { done(std::move(*result)); });
  });
}

}  // namespace serval::storage
