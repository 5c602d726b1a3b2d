#include "dev/virtio_rng.hpp"

#include "arch/cpu.hpp"
#include "arch/vmem.hpp"
#include "dev/virtqueue.hpp"
#include "kernel/lock.hpp"
#include "kernel/string.hpp"
#include "kernel/time.hpp"
#include "mm/phys.hpp"

namespace dev {

namespace {

constexpr uint32_t kVirtioEntropy = 4;
constexpr uint64_t kTimeoutNs = 100'000'000;  // the back end answers in tens of microseconds
constexpr size_t kMaxRead = 256;

enum class State { unknown, ready, absent };

constinit SpinLock g_lock;
State g_state = State::unknown;
Virtqueue g_device;
uint64_t g_buffer_gpa = 0;  // one page the device writes into
uint64_t g_requests = 0;

// The first virtio-rng device the boot-info page announces, set up; false when there is none
// or it does not work. Lock held.
bool bring_up() {
    const domus_virtio_device* d = find_virtio_device(kVirtioEntropy);
    if (d == nullptr) return false;
    g_buffer_gpa = phys::alloc_zeroed();
    return g_buffer_gpa != 0 && g_device.init(d->base, kVirtioEntropy, 0);
}

// One device-writable buffer of `len` bytes at g_buffer_gpa, polled: the bytes the device
// wrote, or -1 when it did not answer within kTimeoutNs or broke the protocol. Lock held.
int64_t request(uint32_t len) {
    const VirtqBuf buf{g_buffer_gpa, len, true};
    if (!g_device.add(&buf, 1)) return -1;
    g_device.kick();
    const uint64_t deadline = time_monotonic_ns() + kTimeoutNs;
    uint16_t head;
    uint32_t written;
    bool bogus;
    while (!g_device.reap(&head, &written, &bogus)) {
        if (time_monotonic_ns() > deadline) return -1;  // a broken or stopped device
        cpu::pause();
    }
    if (bogus || written > len) return -1;  // the device answered something we never asked
    return written;
}

}  // namespace

int64_t virtio_rng_read(void* buf, size_t len) {
    LockGuard guard(g_lock);
    if (g_state == State::unknown) g_state = bring_up() ? State::ready : State::absent;
    if (g_state != State::ready) return -1;
    if (len > kMaxRead) len = kMaxRead;
    const int64_t n = request(uint32_t(len));
    if (n < 0) {
        g_state = State::absent;
        return -1;
    }
    uint8_t* page = vmem::from_gpa<uint8_t>(g_buffer_gpa);
    memcpy(buf, page, size_t(n));
    memset(page, 0, size_t(n));
    ++g_requests;
    return n;
}

uint64_t virtio_rng_requests() {
    LockGuard guard(g_lock);
    return g_requests;
}

}  // namespace dev
