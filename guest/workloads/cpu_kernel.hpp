/* The CPU-bound benchmark kernel, shared verbatim by the guest (freestanding) and the host
 * benchmark program (hosted), so "inside the guest" and "on the host" run the same machine
 * code modulo register allocation. Only <stdint.h>: compiles as C++ in both worlds.
 *
 * Deterministic pure integer work: a Weyl sequence folded into a rotate-xor-add chain. Each
 * iteration depends on the previous one through a non-linear mix of shifts and additions, so
 * the compiler can neither fold the loop into a closed form nor vectorise it; the critical
 * path is 3 single-cycle ALU ops (~1.2 ns per iteration on a 2.6 GHz host).
 *
 * Timing it: make the iteration count and the result opaque to the optimiser around the
 * clock reads, so the loop cannot be hoisted out of the timed region, e.g.
 *     t0 = now(); asm volatile("" : "+r"(iters));
 *     r = domus_cpu_kernel(iters);
 *     asm volatile("" ::"r"(r)); t1 = now();
 */
#ifndef DOMUS_GUEST_CPU_KERNEL_HPP
#define DOMUS_GUEST_CPU_KERNEL_HPP

#include <stdint.h>

/* Iterations that take ~0.5 s on the development hosts. */
#define DOMUS_CPU_KERNEL_DEFAULT_ITERS 400000000ull

static inline uint64_t domus_cpu_kernel(uint64_t iters) {
    uint64_t state = 0x243f6a8885a308d3ull; /* digits of pi: any non-zero seed */
    uint64_t weyl = 0;
    for (uint64_t i = 0; i < iters; ++i) {
        weyl += 0x9e3779b97f4a7c15ull; /* golden-ratio Weyl sequence */
        const uint64_t mixed = state ^ weyl;
        state = ((mixed << 23) | (mixed >> 41)) + (state >> 11);
    }
    return state;
}

#endif
