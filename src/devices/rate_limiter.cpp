#include "devices/rate_limiter.hpp"

#include <algorithm>

namespace domus {

namespace {

constexpr uint64_t kNsPerSec = 1'000'000'000;

// The bucket's capacity: one second's worth, kept within int64_t.
int64_t capacity(uint64_t rate) {
    return static_cast<int64_t>(std::min<uint64_t>(rate, uint64_t(INT64_MAX) / 2));
}

}  // namespace

TokenBucket::TokenBucket(uint64_t rate, uint64_t now_ns)
    : rate_(rate), tokens_(capacity(rate)), last_ns_(now_ns) {}

void TokenBucket::refill(uint64_t now_ns) {
    if (rate_ == 0 || now_ns <= last_ns_) return;
    const int64_t cap = capacity(rate_);
    const uint64_t elapsed = now_ns - last_ns_;
    last_ns_ = now_ns;
    if (tokens_ >= cap) {
        carry_ = 0;
        return;
    }
    // rate < 2^63 and elapsed < 2^64: the product fits 128 bits. tokens += rate * elapsed / 1e9.
    const unsigned __int128 product = static_cast<unsigned __int128>(rate_) * elapsed + carry_;
    const unsigned __int128 whole = product / kNsPerSec;
    carry_ = static_cast<uint64_t>(product % kNsPerSec);
    const unsigned __int128 room = static_cast<unsigned __int128>(cap - tokens_);
    if (whole >= room) {
        tokens_ = cap;
        carry_ = 0;
    } else {
        tokens_ += static_cast<int64_t>(whole);
    }
}

bool TokenBucket::can_take(uint64_t cost, uint64_t now_ns) {
    if (rate_ == 0) return true;
    refill(now_ns);
    const int64_t need = static_cast<int64_t>(std::min<uint64_t>(cost, uint64_t(capacity(rate_))));
    return tokens_ >= need;
}

void TokenBucket::take(uint64_t cost) {
    if (rate_ == 0) return;
    // Debt is bounded by one request (at most the transfer limit), far from int64_t's range.
    tokens_ -= static_cast<int64_t>(std::min<uint64_t>(cost, uint64_t(INT64_MAX) / 4));
}

uint64_t TokenBucket::wait_ns(uint64_t cost, uint64_t now_ns) {
    if (can_take(cost, now_ns)) return 0;
    const int64_t need = static_cast<int64_t>(std::min<uint64_t>(cost, uint64_t(capacity(rate_))));
    const uint64_t missing = static_cast<uint64_t>(need - tokens_);
    // ceil((missing * 1e9 - carry) / rate), at least 1 ns.
    const unsigned __int128 ns =
        (static_cast<unsigned __int128>(missing) * kNsPerSec - carry_ + rate_ - 1) / rate_;
    return ns == 0 ? 1 : static_cast<uint64_t>(std::min<unsigned __int128>(ns, kNsPerSec * 4));
}

bool RateLimiter::admit(uint64_t bytes, uint64_t now_ns) {
    if (!bytes_.can_take(bytes, now_ns) || !ops_.can_take(1, now_ns)) return false;
    bytes_.take(bytes);
    ops_.take(1);
    return true;
}

uint64_t RateLimiter::retry_ns(uint64_t bytes, uint64_t now_ns) {
    return std::max(bytes_.wait_ns(bytes, now_ns), ops_.wait_ns(1, now_ns));
}

}  // namespace domus
