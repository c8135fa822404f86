#include "invoker/concurrency_limiter.h"

#include <gtest/gtest.h>

#include <vector>

namespace serval::invoker {
namespace {

TEST(ConcurrencyLimiter, AccountLimitIsSharedByUnreservedFunctions) {
  ConcurrencyLimiter limiter(3);
  std::string reason;
  std::vector<ConcurrencyLimiter::Slot> slots;
  for (const char* function : {"a", "b", "a"}) {
    auto slot = limiter.TryAcquire(function, &reason);
    ASSERT_TRUE(slot);
    slots.push_back(*slot);
  }
  EXPECT_FALSE(limiter.TryAcquire("c", &reason));
  EXPECT_EQ(reason, "ConcurrentInvocationLimitExceeded");
  limiter.Release(slots[0]);
  EXPECT_TRUE(limiter.TryAcquire("c", &reason));
  EXPECT_EQ(limiter.running(), 3);
}

TEST(ConcurrencyLimiter, ReservationCapsTheFunctionAndSetsCapacityAside) {
  ConcurrencyLimiter limiter(5);
  limiter.SetReservation("r", 2);
  std::string reason;
  auto first = limiter.TryAcquire("r", &reason);
  ASSERT_TRUE(first);
  ASSERT_TRUE(limiter.TryAcquire("r", &reason));
  EXPECT_FALSE(limiter.TryAcquire("r", &reason));
  EXPECT_EQ(reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
  // Three unreserved slots remain for everyone else, however busy "r" is.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.TryAcquire("other", &reason));
  EXPECT_FALSE(limiter.TryAcquire("other", &reason));
  limiter.Release(*first);
  EXPECT_TRUE(limiter.TryAcquire("r", &reason));
}

TEST(ConcurrencyLimiter, ZeroReservationDisablesAndRemovalRestores) {
  ConcurrencyLimiter limiter(10);
  limiter.SetReservation("off", 0);
  std::string reason;
  EXPECT_FALSE(limiter.TryAcquire("off", &reason));
  EXPECT_EQ(reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
  limiter.SetReservation("off", std::nullopt);
  EXPECT_TRUE(limiter.TryAcquire("off", &reason));
}

TEST(ConcurrencyLimiter, SlotsTakenBeforeAReservationChangeReleaseCleanly) {
  ConcurrencyLimiter limiter(4);
  std::string reason;
  auto unreserved = limiter.TryAcquire("f", &reason);
  ASSERT_TRUE(unreserved);
  limiter.SetReservation("f", 1);
  auto reserved = limiter.TryAcquire("f", &reason);
  ASSERT_TRUE(reserved);
  limiter.Release(*unreserved);
  limiter.Release(*reserved);
  EXPECT_EQ(limiter.running(), 0);
}

}  // namespace
}  // namespace serval::invoker
