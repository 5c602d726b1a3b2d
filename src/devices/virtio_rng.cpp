#include "devices/virtio_rng.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>

namespace domus {

uint64_t VirtioRng::features() const {
    return virtio::kFeatureVersion1 | virtio::kFeatureIndirectDesc | virtio::kFeatureEventIdx;
}

Status VirtioRng::activate(uint64_t features, std::span<const virtio::QueueLayout> queues) {
    auto queue = virtio::first_queue("virtio-rng", features, queues);
    if (!queue) return queue.error();
    std::lock_guard lock(mu_);
    queue_.emplace(std::move(*queue));
    return {};
}

void VirtioRng::reset() {
    std::lock_guard lock(mu_);
    queue_.reset();
}

bool VirtioRng::process(GuestMemory& mem) {
    if (!transport_.queue_live(0)) return false;
    // The transport calls activate()/reset() with its lock held and then takes ours: so its
    // lock is never taken while ours is held (the outcome is applied after).
    bool broken = false, interrupt = false;
    {
        std::lock_guard lock(mu_);
        if (!queue_) return false;
        bool served = false;
        for (;;) {
            auto chain = queue_->pop(mem);
            if (chain && !chain->has_value()) {
                // Re-arm, then look once more: a chain added meanwhile is not left waiting.
                queue_->set_avail_event(mem);
                chain = queue_->pop(mem);
            }
            if (!chain) {
                broken = true;
                break;
            }
            if (!chain->has_value()) break;
            const virtio::Chain& c = **chain;
            uint32_t written = 0;
            for (const virtio::Segment& s : c.writable) {
                if (written >= kMaxBytesPerRequest) break;
                const uint32_t want = std::min(s.len, kMaxBytesPerRequest - written);
                auto out = mem.span(s.gpa, want);  // read_chain checked it lies inside RAM
                if (!out) break;
                uint32_t got = 0;
                while (got < want) {
                    const ssize_t n = ::getrandom(out->data() + got, want - got, 0);
                    if (n < 0 && errno == EINTR) continue;
                    if (n <= 0) break;
                    got += static_cast<uint32_t>(n);
                }
                written += got;
                if (got < want) break;
            }
            if (!queue_->push_used(mem, c.head, written)) {
                broken = true;
                break;
            }
            bytes_ += written;
            ++requests_;
            served = true;
        }
        interrupt = !broken && served && queue_->should_interrupt(mem);
    }
    if (broken) {
        transport_.set_needs_reset();  // and a config interrupt tells the driver
        return true;
    }
    if (interrupt) transport_.raise(virtio::kInterruptUsedRing);
    return interrupt;
}

uint64_t VirtioRng::bytes_served() const {
    std::lock_guard lock(mu_);
    return bytes_;
}

uint64_t VirtioRng::requests_served() const {
    std::lock_guard lock(mu_);
    return requests_;
}

}  // namespace domus
