#include "sandbox/available_memory.h"

#include <gtest/gtest.h>

namespace serval::sandbox {
namespace {

TEST(AvailableMemory, ParsesTheMemAvailableLine) {
  EXPECT_EQ(ParseMemAvailable("MemTotal:       24684092 kB\nMemFree:        19601876 kB\n"
                              "MemAvailable:   22769060 kB\nBuffers:           20816 kB\n"),
            22769060ull * 1024);
  EXPECT_EQ(ParseMemAvailable("MemAvailable: 0 kB\n"), 0u);
}

TEST(AvailableMemory, RefusesWhatIsNotTheLine) {
  EXPECT_EQ(ParseMemAvailable("MemTotal: 100 kB\nMemFree: 50 kB\n"), std::nullopt);
  EXPECT_EQ(ParseMemAvailable("XMemAvailable: 10 kB\n"), std::nullopt);
  EXPECT_EQ(ParseMemAvailable("MemAvailable: lots\n"), std::nullopt);
  EXPECT_EQ(ParseMemAvailable("MemAvailable: 10 MB\n"), std::nullopt);
  EXPECT_EQ(ParseMemAvailable("MemAvailable: 10"), std::nullopt);
}

TEST(AvailableMemory, ReadsThisMachines) {
  const std::optional<uint64_t> available = AvailableMemoryBytes("/proc/meminfo");
  ASSERT_TRUE(available.has_value());
  EXPECT_GT(*available, 0u);
}

}  // namespace
}  // namespace serval::sandbox
