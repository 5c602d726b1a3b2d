/* Pipe ping-pong: the parent writes one byte into a pipe, the child reads it and writes it back
 * through a second pipe; round trips timed with clock_gettime. With `pin`, both processes are
 * bound to CPU 0 first (sched_setaffinity), as on a 1-vCPU domain.
 *
 *   gb_pipe PASSES BUDGET_MS [pin]
 * A pass runs batches of 64 round trips until BUDGET_MS has passed. */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

static int round_trip(int wfd, int rfd) {
    char c = 'x';
    if (write(wfd, &c, 1) != 1) return -1;
    if (read(rfd, &c, 1) != 1) return -1;
    return 0;
}

int main(int argc, char** argv) {
    int passes = (int)arg_long(argc, argv, 1, 5);
    const uint64_t budget = (uint64_t)arg_long(argc, argv, 2, 200) * 1000000ull;
    if (passes < 1) passes = 1;
    if (passes > MAX_PASSES) passes = MAX_PASSES;
    if (argc > 3 && strcmp(argv[3], "pin") == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            printf("error: sched_setaffinity failed\n");
            return 1;
        }
    }
    int to_child[2], to_parent[2];
    if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
        printf("error: pipe failed\n");
        return 1;
    }
    const pid_t pid = fork();
    if (pid < 0) {
        printf("error: fork failed\n");
        return 1;
    }
    if (pid == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        char c;
        while (read(to_child[0], &c, 1) == 1) {
            if (write(to_parent[1], &c, 1) != 1) _exit(1);
        }
        _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    for (int i = 0; i < 100; ++i) {  /* warm-up */
        if (round_trip(to_child[1], to_parent[0]) != 0) {
            printf("error: ping-pong failed\n");
            return 1;
        }
    }
    double us[MAX_PASSES];
    for (int p = 0; p < passes; ++p) {
        uint64_t trips = 0;
        const uint64_t start = now_ns();
        uint64_t now = start;
        do {
            for (int i = 0; i < 64; ++i) {
                if (round_trip(to_child[1], to_parent[0]) != 0) {
                    printf("error: ping-pong failed\n");
                    return 1;
                }
            }
            trips += 64;
            now = now_ns();
        } while (now - start < budget);
        us[p] = (double)(now - start) / (double)trips / 1000.0;
        printf("pass=%d trips=%llu us_per_round_trip=%.3f\n", p, (unsigned long long)trips, us[p]);
    }
    close(to_child[1]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("error: the child failed\n");
        return 1;
    }
    printf("result us_per_round_trip=%.3f\n", median(us, passes));
    return 0;
}
