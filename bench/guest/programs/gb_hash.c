/* CPU-bound user work: `BUSYBOX sha256sum FILE` (fork + exec + wait4) timed with clock_gettime,
 * each run preceded by `READER FILE` (gb_readfile: the same 4096-byte reads, no hashing, also a
 * fork + exec + wait4). hash_ns = sha256_ns - read_ns is the time spent hashing; hash_user_ns
 * the same difference of the children's user CPU time (wait4's ru_utime), which leaves out the
 * kernel's share of the 16384 reads. read_min_ns and sha256_min_ns are the fastest runs of
 * each (interference only ever adds time). The digest lines of busybox are
 * printed as they come. Prints one line per repetition and the medians, and main_at_ns:
 * CLOCK_MONOTONIC when main began (in a domain: the kernel's user-space set-up time, most of
 * it unpacking the archive).
 *
 *   gb_hash REPS BUSYBOX FILE READER */
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

extern char** environ;

/* Wall time of the child, and its user CPU time in *user_ns. */
static int64_t timed(char* const* args, int64_t* user_ns) {
    const uint64_t start = now_ns();
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execve(args[0], args, environ);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) return -1;
    const uint64_t end = now_ns();
    *user_ns = (int64_t)ru.ru_utime.tv_sec * 1000000000 + (int64_t)ru.ru_utime.tv_usec * 1000;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return (int64_t)(end - start);
}

int main(int argc, char** argv) {
    const uint64_t main_at = now_ns();  /* in a domain: since the kernel's time_init */
    if (argc < 5) {
        printf("usage: gb_hash REPS BUSYBOX FILE READER\n");
        return 2;
    }
    int reps = (int)arg_long(argc, argv, 1, 3);
    if (reps < 1) reps = 1;
    if (reps > MAX_PASSES) reps = MAX_PASSES;
    char* const hash[] = {argv[2], "sha256sum", argv[3], NULL};
    char* const read[] = {argv[4], argv[3], NULL};
    double r[MAX_PASSES], s[MAX_PASSES], h[MAX_PASSES], u[MAX_PASSES];
    for (int i = 0; i < reps; ++i) {
        fflush(stdout);
        int64_t ru = 0, su = 0;
        const int64_t rn = timed(read, &ru);
        const int64_t sn = timed(hash, &su);
        if (rn < 0 || sn < 0) {
            printf("error: %s failed\n", rn < 0 ? "the reader" : "sha256sum");
            return 1;
        }
        r[i] = (double)rn;
        s[i] = (double)sn;
        h[i] = (double)(sn - rn);
        u[i] = (double)(su - ru);
        printf("rep=%d read_ns=%lld sha256_ns=%lld hash_ns=%lld hash_user_ns=%lld\n", i,
               (long long)rn, (long long)sn, (long long)(sn - rn), (long long)(su - ru));
    }
    double read_min = r[0], sha_min = s[0];
    for (int i = 1; i < reps; ++i) {
        if (r[i] < read_min) read_min = r[i];
        if (s[i] < sha_min) sha_min = s[i];
    }
    printf("result read_ns=%.0f sha256_ns=%.0f hash_ns=%.0f hash_user_ns=%.0f read_min_ns=%.0f "
           "sha256_min_ns=%.0f main_at_ns=%llu\n",
           median(r, reps), median(s, reps), median(h, reps), median(u, reps), read_min, sha_min,
           (unsigned long long)main_at);
    return 0;
}
