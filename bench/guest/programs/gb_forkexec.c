/* fork + execve of a static `true` + wait4, in a loop, timed with clock_gettime; with `exit`
 * instead of a path the child only calls _exit(0) (fork + exit + wait, the cost without exec).
 * Prints one line per pass (microseconds per iteration) and the median.
 *
 *   gb_forkexec PASSES BUDGET_MS PATH|exit
 * A pass runs iterations until BUDGET_MS has passed (at least 5). */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

extern char** environ;

static int one(const char* path) {
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (path) {
            char* const args[] = {(char*)path, NULL};
            execve(path, args, environ);
            _exit(127);
        }
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char** argv) {
    int passes = (int)arg_long(argc, argv, 1, 5);
    const uint64_t budget = (uint64_t)arg_long(argc, argv, 2, 200) * 1000000ull;
    const char* path = argc > 3 && strcmp(argv[3], "exit") != 0 ? argv[3] : NULL;
    if (argc <= 3) {
        printf("usage: gb_forkexec PASSES BUDGET_MS PATH|exit\n");
        return 2;
    }
    if (passes < 1) passes = 1;
    if (passes > MAX_PASSES) passes = MAX_PASSES;
    if (one(path) != 0) {  /* warm-up, and a check that the program runs */
        printf("error: fork/exec/wait of %s failed\n", path ? path : "(exit)");
        return 1;
    }
    double us[MAX_PASSES];
    for (int p = 0; p < passes; ++p) {
        uint64_t iters = 0;
        const uint64_t start = now_ns();
        uint64_t now = start;
        do {
            if (one(path) != 0) {
                printf("error: fork/exec/wait failed\n");
                return 1;
            }
            ++iters;
            now = now_ns();
        } while (now - start < budget || iters < 5);
        us[p] = (double)(now - start) / (double)iters / 1000.0;
        printf("pass=%d iters=%llu us_per_iter=%.2f\n", p, (unsigned long long)iters, us[p]);
    }
    printf("result us_per_iter=%.2f\n", median(us, passes));
    return 0;
}
