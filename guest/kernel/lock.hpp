// The general kernel lock. Kernel code runs with interrupts masked (docs/guest-kernel.md:
// the kernel is not preemptible and interrupt handlers take no lock but the scheduler's), so a
// plain test-and-test-and-set spinlock is enough between vCPUs.
#pragma once

#include <stdint.h>

#include "arch/cpu.hpp"

class SpinLock {
  public:
    void lock() {
        while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE)) {
            while (__atomic_load_n(&locked_, __ATOMIC_RELAXED)) cpu::pause();
        }
    }
    bool try_lock() { return !__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE); }
    void unlock() { __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE); }
    bool locked() const { return __atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0; }

  private:
    uint32_t locked_ = 0;
};

class LockGuard {
  public:
    explicit LockGuard(SpinLock& lock) : lock_(lock) { lock_.lock(); }
    ~LockGuard() { lock_.unlock(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

  private:
    SpinLock& lock_;
};
