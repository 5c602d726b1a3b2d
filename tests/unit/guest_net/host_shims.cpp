// The kernel services guest/net needs, for the host tests: heap, clock, randomness.
#include "host_shims.hpp"

#include <stdlib.h>
#include <string.h>

#include <atomic>

#include "kernel/random.hpp"
#include "kernel/time.hpp"
#include "mm/kheap.hpp"

namespace {

std::atomic<size_t> g_blocks{0};
std::atomic<int64_t> g_budget{-1};
std::atomic<uint64_t> g_time_ns{1'000'000'000ull};

bool allowed() {
    int64_t budget = g_budget.load();
    while (budget >= 0) {
        if (budget == 0) return false;
        if (g_budget.compare_exchange_weak(budget, budget - 1)) return true;
    }
    return true;
}

}  // namespace

namespace guest_net_test {

size_t live_blocks() {
    return g_blocks.load();
}
void fail_after(size_t count) {
    g_budget.store(int64_t(count));
}
void fail_never() {
    g_budget.store(-1);
}
void set_time_ns(uint64_t ns) {
    g_time_ns.store(ns);
}

}  // namespace guest_net_test

void* kmalloc(size_t size) {
    if (!allowed()) return nullptr;
    void* p = malloc(size ? size : 1);
    if (p != nullptr) ++g_blocks;
    return p;
}

void* kzalloc(size_t size) {
    void* p = kmalloc(size);
    if (p != nullptr) memset(p, 0, size);
    return p;
}

void kfree(void* pointer) {
    if (pointer == nullptr) return;
    --g_blocks;
    free(pointer);
}

uint64_t time_monotonic_ns() {
    return g_time_ns.load();
}

uint64_t time_realtime_ns() {
    return g_time_ns.load();
}

void random_bytes(void* out, size_t length) {
    static uint64_t x = 0x1234567890abcdefull;
    auto* p = static_cast<uint8_t*>(out);
    for (size_t i = 0; i < length; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = uint8_t(x >> 24);
    }
}
