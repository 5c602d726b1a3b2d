/* Disk I/O as a program sees it, the same binary in a domain (on /dev/vda) and on the host (on
 * the image file):
 *   gb_disk read  PATH BYTES BLOCK [direct]   sequential reads
 *   gb_disk write PATH BYTES BLOCK [direct]   sequential writes, then fsync (timed with them)
 *   gb_disk rand  PATH OPS THREADS [direct]   4096-byte preads at random aligned offsets, by
 *                                              THREADS threads at once (the queue depth)
 * Prints `result bytes=N ns=N` or `result ops=N ns=N p50_ns=N p99_ns=N`. Exit 0 on success. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static int g_fd;
static uint64_t g_size;
static long g_ops_per_thread;
static double* g_lat;

static uint64_t device_size(int fd) {
    return (uint64_t)lseek(fd, 0, SEEK_END);
}

static void* rand_thread(void* arg) {
    const long t = (long)arg;
    uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(t + 1);
    void* buf;
    if (posix_memalign(&buf, 4096, 4096) != 0) return (void*)1;
    for (long i = 0; i < g_ops_per_thread; ++i) {
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        const uint64_t off = ((x * 0x2545f4914f6cdd1dull) % (g_size / 4096)) * 4096;
        const uint64_t t0 = now_ns();
        if (pread(g_fd, buf, 4096, (off_t)off) != 4096) return (void*)1;
        g_lat[t * g_ops_per_thread + i] = (double)(now_ns() - t0);
    }
    free(buf);
    return NULL;
}

int main(int argc, char** argv) {
    if (argc < 5) return 2;
    const int direct = argc > 5 && strcmp(argv[5], "direct") == 0;
    const char* mode = argv[1];
    const int write_mode = strcmp(mode, "write") == 0;
    g_fd = open(argv[2], (write_mode ? O_WRONLY : O_RDONLY) | (direct ? O_DIRECT : 0));
    if (g_fd < 0) return 1;
    g_size = device_size(g_fd);
    if (strcmp(mode, "rand") == 0) {
        const long ops = atol(argv[3]), threads = atol(argv[4]);
        if (threads < 1 || threads > 64 || ops < threads || g_size < 4096) return 2;
        g_ops_per_thread = ops / threads;
        g_lat = calloc((size_t)(g_ops_per_thread * threads), sizeof(double));
        pthread_t tid[64];
        const uint64_t start = now_ns();
        for (long t = 0; t < threads; ++t) pthread_create(&tid[t], NULL, rand_thread, (void*)t);
        int bad = 0;
        for (long t = 0; t < threads; ++t) {
            void* r;
            pthread_join(tid[t], &r);
            bad |= r != NULL;
        }
        const uint64_t ns = now_ns() - start;
        if (bad) return 1;
        const long n = g_ops_per_thread * threads;
        qsort(g_lat, (size_t)n, sizeof(double), cmp_double);
        printf("result ops=%ld ns=%llu p50_ns=%.0f p99_ns=%.0f\n", n, (unsigned long long)ns,
               g_lat[n / 2], g_lat[(n * 99) / 100]);
        return 0;
    }
    const uint64_t bytes = strtoull(argv[3], NULL, 10), block = strtoull(argv[4], NULL, 10);
    if (block == 0 || bytes > g_size) return 2;
    void* buf;
    if (posix_memalign(&buf, 4096, block) != 0) return 1;
    memset(buf, 0x5a, block);
    lseek(g_fd, 0, SEEK_SET);
    const uint64_t start = now_ns();
    for (uint64_t done = 0; done < bytes; done += block) {
        const ssize_t n = write_mode ? write(g_fd, buf, block) : read(g_fd, buf, block);
        if (n != (ssize_t)block) return 1;
    }
    if (write_mode && fsync(g_fd) != 0) return 1;
    const uint64_t ns = now_ns() - start;
    printf("result bytes=%llu ns=%llu\n", (unsigned long long)bytes, (unsigned long long)ns);
    return 0;
}
