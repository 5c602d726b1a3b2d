// Token buckets for a device's rate limits, as Firecracker's: a bucket of `rate` tokens per
// second holding at most one second's worth (the burst). A cost larger than the bucket is let
// through when the bucket is full and leaves it in debt, so a big request waits for its share
// instead of forever. Pure: time is the caller's (monotonic nanoseconds).
#pragma once

#include <cstdint>

namespace domus {

class TokenBucket {
  public:
    TokenBucket() = default;  // unlimited
    // `rate` tokens per second; 0 is unlimited. Starts full at `now_ns`.
    TokenBucket(uint64_t rate, uint64_t now_ns);

    bool unlimited() const { return rate_ == 0; }
    // Whether `cost` tokens may be taken at `now_ns` (refills first).
    bool can_take(uint64_t cost, uint64_t now_ns);
    void take(uint64_t cost);  // after can_take said yes
    // Nanoseconds from `now_ns` until can_take(cost) will say yes (0: now), at most 4 s (the
    // caller asks again then). Refills first.
    uint64_t wait_ns(uint64_t cost, uint64_t now_ns);

  private:
    void refill(uint64_t now_ns);
    uint64_t rate_ = 0;
    int64_t tokens_ = 0;  // may go below zero (a request larger than the bucket)
    uint64_t last_ns_ = 0;
    uint64_t carry_ = 0;  // token-nanoseconds not yet worth a whole token
};

// A disk's limits: bytes and operations per second (either may be unlimited).
class RateLimiter {
  public:
    RateLimiter() = default;
    RateLimiter(uint64_t bytes_per_sec, uint64_t ops_per_sec, uint64_t now_ns)
        : bytes_(bytes_per_sec, now_ns), ops_(ops_per_sec, now_ns) {}

    bool unlimited() const { return bytes_.unlimited() && ops_.unlimited(); }
    // Takes one operation of `bytes` if both buckets allow it; else takes nothing.
    bool admit(uint64_t bytes, uint64_t now_ns);
    // When to try again (ns from now) after admit said no.
    uint64_t retry_ns(uint64_t bytes, uint64_t now_ns);

  private:
    TokenBucket bytes_;
    TokenBucket ops_;
};

}  // namespace domus
