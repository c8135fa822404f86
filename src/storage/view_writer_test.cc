#include "storage/view_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/memory_metadata_store.h"

namespace serval::storage {
namespace {

// A failed write, and every write in flight with it or sent before the view settled, reads back;
// those before the failure, and after the view settled, do not. WhenSettled waits for them all.
TEST(ViewWriter, ReadsBackFromAFailureUntilNothingIsInFlight) {
  QueuedCompletions completions;
  MemoryMetadataStore store(completions.Poster());
  ViewWriter writer(&store);
  std::vector<std::string> events;
  auto write = [&](const std::string& name) {
    writer.Write(
        WriteBatch().Put("t", name, "v"), [&events, name] { events.push_back("read " + name); },
        [&events, name](absl::Status status) {
          events.push_back((status.ok() ? "ok " : "failed ") + name);
        });
  };
  write("before");
  completions.RunOne();
  store.FailWrites(absl::ResourceExhaustedError("no space left on device"));
  write("fails");
  store.FailWrites(absl::OkStatus());
  write("beside");  // sent before the failure is known
  bool settled = false;
  writer.WhenSettled([&] { settled = true; });
  completions.RunOne();
  write("after");  // built on what the failure's read-back left
  completions.RunOne();
  EXPECT_FALSE(settled);
  completions.RunOne();
  EXPECT_TRUE(settled);
  write("later");
  completions.RunOne();
  EXPECT_EQ(events,
            (std::vector<std::string>{"ok before", "read fails", "failed fails", "read beside",
                                      "ok beside", "read after", "ok after", "ok later"}));
  bool at_once = false;
  writer.WhenSettled([&] { at_once = true; });
  EXPECT_TRUE(at_once);
}

}  // namespace
}  // namespace serval::storage
