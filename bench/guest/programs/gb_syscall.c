/* Syscall round trip: `getppid` through the raw `syscall` instruction in a loop, timed with
 * clock_gettime(CLOCK_MONOTONIC); with `floor` also the Domus-private empty system calls 0x1d0
 * (syscall -> sysretq at once, no CR3 switch) and 0x1d1 (the same with the two CR3 switches),
 * measured in the same passes. Prints one line per pass and a line of medians.
 *
 *   gb_syscall PASSES BUDGET_MS [floor]
 * Each measurement runs batches of 256 calls until BUDGET_MS has passed. */
#include <string.h>
#include <sys/syscall.h>

#include "common.h"

#define NR_FLOOR 0x1d0
#define NR_FLOOR_CR3 0x1d1
#define ENOSYS_RET (-38)

static double ns_per_call(long nr, uint64_t budget_ns) {
    uint64_t calls = 0;
    const uint64_t start = now_ns();
    uint64_t now = start;
    do {
        for (int i = 0; i < 256; ++i) raw_syscall0(nr);
        calls += 256;
        now = now_ns();
    } while (now - start < budget_ns);
    return (double)(now - start) / (double)calls;
}

int main(int argc, char** argv) {
    int passes = (int)arg_long(argc, argv, 1, 5);
    const uint64_t budget = (uint64_t)arg_long(argc, argv, 2, 100) * 1000000ull;
    const int floor = argc > 3 && strcmp(argv[3], "floor") == 0;
    if (passes < 1) passes = 1;
    if (passes > MAX_PASSES) passes = MAX_PASSES;

    /* Is the floor there? The kernel answers an unknown number with -ENOSYS. */
    int have_floor = 0;
    if (floor) {
        const long a = raw_syscall0(NR_FLOOR), b = raw_syscall0(NR_FLOOR_CR3);
        have_floor = a != ENOSYS_RET && b != ENOSYS_RET;
        if (!have_floor) printf("floor: not available (0x1d0 -> %ld, 0x1d1 -> %ld)\n", a, b);
    }
    if (raw_syscall0(SYS_getppid) < 0) {
        printf("error: getppid failed\n");
        return 1;
    }

    double g[MAX_PASSES], f[MAX_PASSES], fc[MAX_PASSES];
    for (int p = 0; p < passes; ++p) {
        g[p] = ns_per_call(SYS_getppid, budget);
        if (have_floor) {
            f[p] = ns_per_call(NR_FLOOR, budget);
            fc[p] = ns_per_call(NR_FLOOR_CR3, budget);
            printf("pass=%d getppid_ns=%.1f floor_ns=%.1f floor_cr3_ns=%.1f\n", p, g[p], f[p], fc[p]);
        } else {
            printf("pass=%d getppid_ns=%.1f\n", p, g[p]);
        }
    }
    if (have_floor) {
        const double gm = median(g, passes), fm = median(f, passes), fcm = median(fc, passes);
        printf("result getppid_ns=%.1f floor_ns=%.1f floor_cr3_ns=%.1f getppid_per_floor_cr3=%.3f\n",
               gm, fm, fcm, gm / fcm);
    } else {
        printf("result getppid_ns=%.1f\n", median(g, passes));
    }
    return 0;
}
