/* Shared by the guest benchmark programs: a monotonic clock in ns, the median, the raw system
 * call. They run unchanged in a domain and on the host; each prints `key=value` fields. */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void* a, const void* b) {
    const double x = *(const double*)a, y = *(const double*)b;
    return x < y ? -1 : x > y;
}

static inline double median(double* v, int n) {
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The `syscall` instruction with no arguments: the raw return value (-errno on failure). */
static inline long raw_syscall0(long nr) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
    return ret;
}

static inline long arg_long(int argc, char** argv, int i, long fallback) {
    return i < argc ? strtol(argv[i], NULL, 0) : fallback;
}

#define MAX_PASSES 64
