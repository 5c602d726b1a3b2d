// libFuzzer target: a split virtqueue's device side (src/virtio/split_queue) against a 64 KiB
// guest memory whose contents are the input. The first 8 bytes pick the queue size, where the
// three rings are and whether INDIRECT_DESC and EVENT_IDX were negotiated; the rest fills RAM
// from address 0. The device pops until the queue is empty or broken, returning every chain to
// the used ring. Besides the sanitizers, each chain must keep the promises read_chain makes.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "virtio/split_queue.hpp"

namespace {

using namespace domus;
using namespace domus::virtio;

constexpr uint64_t kRam = 64 * 1024;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len) {
    return a < b + b_len && b < a + a_len;
}

void check_segment(const QueueLayout& q, const Segment& s) {
    check(s.len > 0 && s.gpa < kRam && s.len <= kRam - s.gpa);
    check(!overlaps(s.gpa, s.len, q.desc, 16ull * q.size));
    check(!overlaps(s.gpa, s.len, q.driver, 6 + 2ull * q.size));
    check(!overlaps(s.gpa, s.len, q.device, 6 + 8ull * q.size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 8) return 0;
    static GuestMemory* mem = [] {
        auto m = GuestMemory::create(kRam);
        check(m.ok());
        return new GuestMemory(std::move(m.value()));
    }();
    QueueLayout q;
    q.size = 1u << (data[0] % 9);  // 1..256: rings that fit 64 KiB
    q.desc = (uint64_t(data[1]) << 8) & ~uint64_t(15);
    q.driver = (uint64_t(data[2]) << 8 | data[3]) & ~uint64_t(1);
    q.device = (uint64_t(data[4]) << 8 | data[5]) & ~uint64_t(3);
    const bool indirect = data[6] & 1, event_idx = data[6] & 2;
    const size_t budget = 1 + data[7];  // pops at most
    check(mem->fill(0, kRam, 0).ok());
    const size_t n = size - 8 < kRam ? size - 8 : kRam;
    check(mem->write(0, {data + 8, n}).ok());
    if (!check_layout(q, kRam).ok()) return 0;
    SplitQueue queue(q, event_idx, indirect);
    for (size_t i = 0; i < budget; ++i) {
        auto chain = queue.pop(*mem);
        if (!chain.ok() || !chain->has_value()) break;
        const Chain& c = **chain;
        check(c.head < q.size);
        check(c.readable.size() + c.writable.size() <= kMaxQueueSize);
        uint64_t r = 0, w = 0;
        for (const Segment& s : c.readable) check_segment(q, s), r += s.len;
        for (const Segment& s : c.writable) check_segment(q, s), w += s.len;
        check(r == c.readable_bytes && w == c.writable_bytes);
        check(queue.push_used(*mem, c.head, uint32_t(w)).ok());
        (void)queue.should_interrupt(*mem);
        queue.set_avail_event(*mem);
    }
    return 0;
}
