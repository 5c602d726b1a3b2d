// Futexes, keyed by (address space, user address): FUTEX_WAIT(_BITSET), FUTEX_WAKE(_BITSET),
// FUTEX_REQUEUE and FUTEX_CMP_REQUEUE. Shared futexes between processes are keyed the same
// way (a limitation: they work within one address space only).
#pragma once

#include <stdint.h>

namespace mm {
struct AddressSpace;
}

namespace proc {

// 0 when woken, -EAGAIN (value differs), -ETIMEDOUT, -EFAULT, or -ERESTARTSYS on a signal.
int futex_wait(mm::AddressSpace* as, uint64_t uaddr, uint32_t expected, uint64_t deadline_ns,
               uint32_t bitset);
// Number of waiters woken.
int futex_wake(mm::AddressSpace* as, uint64_t uaddr, int count, uint32_t bitset = ~0u);
// Wakes up to `wake` waiters on uaddr and moves up to `requeue` more to uaddr2; with
// `check`, first verifies *uaddr == expected (-EAGAIN otherwise). Returns woken + moved.
int futex_requeue(mm::AddressSpace* as, uint64_t uaddr, uint64_t uaddr2, int wake, int requeue,
                  bool check, uint32_t expected);

}  // namespace proc
