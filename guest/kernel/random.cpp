#include "kernel/random.hpp"

#include "arch/cpu.hpp"
#include "kernel/lock.hpp"

namespace {

constinit SpinLock g_lock;
uint64_t g_state[4] = {0x243f6a8885a308d3ull, 0x13198a2e03707344ull, 0xa4093822299f31d0ull,
                       0x082efa98ec4e6c89ull};
bool g_rdrand = false;

uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

// xoshiro256** step.
uint64_t next() {
    const uint64_t result = rotl(g_state[1] * 5, 7) * 9;
    const uint64_t t = g_state[1] << 17;
    g_state[2] ^= g_state[0];
    g_state[3] ^= g_state[1];
    g_state[1] ^= g_state[2];
    g_state[0] ^= g_state[3];
    g_state[2] ^= t;
    g_state[3] = rotl(g_state[3], 45);
    return result;
}

bool rdrand(uint64_t* out) {
    for (int i = 0; i < 10; ++i) {
        unsigned char ok;
        asm volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
        if (ok) return true;
    }
    return false;
}

}  // namespace

void random_init() {
    g_rdrand = (cpu::cpuid(1).ecx & (1u << 30)) != 0;
    LockGuard guard(g_lock);
    g_state[0] ^= cpu::rdtsc();
    for (int i = 0; i < 16; ++i) next();
}

void random_bytes(void* out, size_t length) {
    uint8_t* p = static_cast<uint8_t*>(out);
    LockGuard guard(g_lock);
    while (length > 0) {
        uint64_t v = next();
        uint64_t hw;
        if (g_rdrand && rdrand(&hw)) v ^= hw;
        v ^= cpu::rdtsc();
        const size_t n = length < 8 ? length : 8;
        for (size_t i = 0; i < n; ++i) p[i] = uint8_t(v >> (8 * i));
        p += n;
        length -= n;
    }
}
