// Token buckets with the test's clock: bursts, refill, requests larger than the bucket, the
// wait until the next admission, and no overflow at extreme rates and times.
#include <gtest/gtest.h>

#include "devices/rate_limiter.hpp"

namespace domus {
namespace {

constexpr uint64_t kSec = 1'000'000'000;

TEST(TokenBucket, UnlimitedAlwaysAdmits) {
    TokenBucket b;
    EXPECT_TRUE(b.unlimited());
    EXPECT_TRUE(b.can_take(~0ull, 0));
    EXPECT_EQ(b.wait_ns(~0ull, 0), 0u);
}

TEST(TokenBucket, BurstThenRefillAtTheRate) {
    TokenBucket b(100, kSec);  // 100/s, starts full
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(b.can_take(1, kSec));
        b.take(1);
    }
    EXPECT_FALSE(b.can_take(1, kSec));
    EXPECT_EQ(b.wait_ns(1, kSec), kSec / 100);
    EXPECT_FALSE(b.can_take(1, kSec + kSec / 100 - 1));
    EXPECT_TRUE(b.can_take(1, kSec + kSec / 100));
    // A long pause refills to the burst, not beyond.
    EXPECT_TRUE(b.can_take(100, 100 * kSec));
    b.take(100);
    EXPECT_FALSE(b.can_take(1, 100 * kSec));
}

TEST(TokenBucket, FractionalRefillIsNotLost) {
    TokenBucket b(3, 0);  // 3 per second: one every 333,333,333.3 ns
    b.take(3);
    uint64_t t = 0;
    int got = 0;
    for (int step = 0; step < 3000; ++step) {  // 3 s in 1 ms steps
        t += kSec / 1000;
        if (b.can_take(1, t)) {
            b.take(1);
            ++got;
        }
    }
    EXPECT_EQ(got, 9);
}

TEST(TokenBucket, ACostLargerThanTheBucketWaitsForAFullBucketAndLeavesDebt) {
    TokenBucket b(1000, 0);
    EXPECT_TRUE(b.can_take(3000, 0));         // full: let through
    b.take(3000);                             // 2000 in debt
    EXPECT_EQ(b.wait_ns(1000, 0), 3 * kSec);  // the debt and a full bucket at 1000/s
    EXPECT_FALSE(b.can_take(1, kSec));
    EXPECT_EQ(b.wait_ns(1000, kSec), 2 * kSec);
    EXPECT_TRUE(b.can_take(1000, 3 * kSec));
    // Longer waits are reported as 4 s at most: the caller looks again then.
    b.take(1000 * 100);
    EXPECT_EQ(b.wait_ns(1, 3 * kSec), 4 * kSec);
}

TEST(TokenBucket, ExtremeValuesDoNotOverflow) {
    TokenBucket b(~0ull, 0);
    EXPECT_TRUE(b.can_take(~0ull, 0));
    b.take(~0ull);
    EXPECT_LE(b.wait_ns(1, 0), 4 * kSec);
    EXPECT_TRUE(b.can_take(1, ~0ull));
    TokenBucket slow(1, 0);
    slow.take(1);
    EXPECT_EQ(slow.wait_ns(1, 0), kSec);
}

TEST(RateLimiter, BothBucketsMustAdmit) {
    RateLimiter r(1 << 20, 10, 0);  // 1 MiB/s, 10 ops/s
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(r.admit(4096, 0));
    EXPECT_FALSE(r.admit(0, 0));  // out of operations
    EXPECT_EQ(r.retry_ns(0, 0), kSec / 10);
    RateLimiter bytes(4096, 0, 0);
    EXPECT_TRUE(bytes.admit(4096, 0));
    EXPECT_FALSE(bytes.admit(1, 0));
    EXPECT_EQ(bytes.retry_ns(4096, 0), kSec);
}

}  // namespace
}  // namespace domus
