#include "kernel/random.hpp"

#include "arch/cpu.hpp"
#include "dev/virtio_rng.hpp"
#include "kernel/chacha20.hpp"
#include "kernel/lock.hpp"
#include "kernel/string.hpp"

namespace {

constexpr uint64_t kReseedBytes = 1 << 20;

constinit SpinLock g_lock;
uint32_t g_key[kChachaKeyWords];
uint64_t g_requests = 0;                 // the nonce: every request uses a fresh one
uint64_t g_since_reseed = kReseedBytes;  // due: the first program request reseeds
bool g_rdrand = false;
bool g_device_failed = false;
bool g_reseed_wanted = false;  // atomic: set by program requests, done by random_upkeep
bool g_reseed_busy = false;    // atomic: one vCPU at a time talks to the device

bool rdrand(uint64_t* out) {
    for (int i = 0; i < 10; ++i) {
        unsigned char ok;
        asm volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
        if (ok) return true;
    }
    return false;
}

// One block under the current key for nonce `n` and block `counter`.
void block(uint64_t n, uint32_t counter, uint8_t out[kChachaBlockBytes]) {
    const uint32_t nonce[3] = {uint32_t(n), uint32_t(n >> 32), 0x52414e44u /* "DNAR" */};
    chacha20_block(g_key, counter, nonce, out);
}

// The key becomes key XOR input (cycled over its 32 bytes), then stirred through a block so
// that every input bit reaches every key bit. Lock held.
void mix(const void* input, size_t length) {
    auto* key = reinterpret_cast<uint8_t*>(g_key);
    const auto* in = static_cast<const uint8_t*>(input);
    for (size_t i = 0; i < length; ++i) key[i % sizeof(g_key)] ^= in[i];
    uint8_t stirred[kChachaBlockBytes];
    block(~uint64_t(0), 0, stirred);
    memcpy(g_key, stirred, sizeof(g_key));
    memset(stirred, 0, sizeof(stirred));
}

void mix_cpu() {
    uint64_t words[4] = {cpu::rdtsc(), 0, 0, 0};
    if (g_rdrand) {
        for (int i = 1; i < 4; ++i) rdrand(&words[i]);
    }
    mix(words, sizeof(words));
}

// Key stream for `length` bytes, then a fresh key from the same request's stream. Lock held.
void generate(void* out, size_t length) {
    mix_cpu();
    const uint64_t nonce = g_requests++;
    uint8_t buf[kChachaBlockBytes];
    block(nonce, 0, buf);  // its first half is the next key, its second half output
    uint32_t next_key[kChachaKeyWords];
    memcpy(next_key, buf, sizeof(next_key));
    auto* p = static_cast<uint8_t*>(out);
    size_t half = length < 32 ? length : 32;
    memcpy(p, buf + 32, half);
    p += half;
    length -= half;
    for (uint32_t counter = 1; length > 0; ++counter) {
        block(nonce, counter, buf);
        const size_t n = length < sizeof(buf) ? length : sizeof(buf);
        memcpy(p, buf, n);
        p += n;
        length -= n;
    }
    memcpy(g_key, next_key, sizeof(g_key));
    memset(next_key, 0, sizeof(next_key));
    memset(buf, 0, sizeof(buf));
}

}  // namespace

void random_init() {
    g_rdrand = (cpu::cpuid(1).ecx & (1u << 30)) != 0;
    LockGuard guard(g_lock);
    mix_cpu();
}

void random_bytes(void* out, size_t length) {
    LockGuard guard(g_lock);
    generate(out, length);
    g_since_reseed += length;
}

void random_user_bytes(void* out, size_t length) {
    LockGuard guard(g_lock);
    if (g_since_reseed >= kReseedBytes) __atomic_store_n(&g_reseed_wanted, true, __ATOMIC_RELAXED);
    generate(out, length);
    g_since_reseed += length;
}

bool random_upkeep() {
    if (!__atomic_load_n(&g_reseed_wanted, __ATOMIC_RELAXED)) return false;
    if (__atomic_exchange_n(&g_reseed_busy, true, __ATOMIC_ACQUIRE)) return false;  // another vCPU
    // The device is asked without the generator's lock: programs keep getting numbers.
    uint8_t seed[32];
    const int64_t n = g_device_failed ? -1 : dev::virtio_rng_read(seed, sizeof(seed));
    {
        LockGuard guard(g_lock);
        if (n > 0) {
            mix(seed, size_t(n));
            g_since_reseed = 0;
        } else {
            g_device_failed = true;  // none, or it stopped: the CPU's seed goes on alone
            g_since_reseed = 0;
        }
        __atomic_store_n(&g_reseed_wanted, false, __ATOMIC_RELAXED);
    }
    memset(seed, 0, sizeof(seed));
    __atomic_store_n(&g_reseed_busy, false, __ATOMIC_RELEASE);
    return true;
}
