// A test-and-test-and-set spinlock with an owner, so that a vCPU that faults while holding
// it (e.g. an exception inside kprintf) can detect re-entry instead of deadlocking.
#pragma once

#include <stdint.h>

#include "arch/cpu.hpp"

class Spinlock {
  public:
    // Returns false if the calling vCPU already holds the lock (nothing was acquired).
    bool lock(uint32_t owner_id) {
        if (__atomic_load_n(&owner_, __ATOMIC_RELAXED) == owner_id + 1) return false;
        while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE)) {
            while (__atomic_load_n(&locked_, __ATOMIC_RELAXED)) cpu::pause();
        }
        __atomic_store_n(&owner_, owner_id + 1, __ATOMIC_RELAXED);
        return true;
    }

    // Bounded variant for the crash path: gives up after `spins` attempts.
    bool try_lock_for(uint32_t owner_id, uint64_t spins) {
        for (uint64_t i = 0; i < spins; ++i) {
            if (!__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE)) {
                __atomic_store_n(&owner_, owner_id + 1, __ATOMIC_RELAXED);
                return true;
            }
            cpu::pause();
        }
        return false;
    }

    bool held_by(uint32_t owner_id) const {
        return __atomic_load_n(&owner_, __ATOMIC_RELAXED) == owner_id + 1;
    }

    void unlock() {
        __atomic_store_n(&owner_, 0u, __ATOMIC_RELAXED);
        __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE);
    }

  private:
    uint32_t locked_ = 0;
    uint32_t owner_ = 0;  // vCPU index + 1, 0 when free
};
