/* The extended register state (SSE, AVX, AVX-512) of a process survives preemption, migration
 * to another CPU and signal handlers. glibc's string functions use whatever the CPU and the
 * kernel enable (on AVX-512 machines: ymm16-31), so a kernel that loses part of it breaks
 * ordinary programs.
 *
 * For each state component enabled in XCR0 (xgetbv) and offered by CPUID: PROCS processes keep
 * a pattern of their own in the registers while spinning for ROUNDS rounds, then check it; and
 * one process keeps a pattern across a signal handler that clobbers the registers. Prints
 * "<component>: preserved", "<component>: LOST in N of M rounds" or "<component>: not
 * enabled". The register clobbers below name only what each function touches. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROCS 4
#define ROUNDS 25
#define SPIN 4000000l

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

static uint64_t xcr0(void) {
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 27))) return 3; /* no OSXSAVE: x87 and SSE only */
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static int avx_enabled(void) {
    uint32_t r[4];
    cpuid(1, 0, r);
    return (r[2] & (1u << 28)) && (xcr0() & 6) == 6;
}

static int avx512_enabled(void) {
    uint32_t r[4];
    cpuid(7, 0, r);
    const int f = (r[1] >> 16) & 1, vl = (r[1] >> 31) & 1;
    return f && vl && avx_enabled() && (xcr0() & 0xe6) == 0xe6;
}

/* Each returns non-zero when the registers no longer hold the pattern after `iters` loops
 * (with `iters` 0 and `sig` set: after raising the signal instead). */
typedef int (*survive_fn)(uint64_t pattern, long iters, int sig);

#define SPIN_OR_RAISE                   \
    "test %[n], %[n]\n\t"               \
    "jz 2f\n"                           \
    "1:\tdec %[n]\n\t"                  \
    "jnz 1b\n\t"                        \
    "jmp 3f\n"                          \
    "2:\tmov $62, %%eax\n\t" /* kill */ \
    "mov %[pid], %%rdi\n\t"             \
    "mov %[sig], %%rsi\n\t"             \
    "syscall\n"                         \
    "3:\n\t"

static int sse_survive(uint64_t p, long n, int sig) {
    uint64_t bad = 0;
    long pid = getpid();
    __asm__ volatile(
#define L(i) "movq %[p], %%xmm" #i "\n\tpunpcklqdq %%xmm" #i ", %%xmm" #i "\n\t"
        L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15)
#undef L
            SPIN_OR_RAISE
#define C(i)              \
    "pextrq $1, %%xmm" #i \
    ", %%rdx\n\t"         \
    "xor %[p], %%rdx\n\t" \
    "or %%rdx, %[bad]\n\t"
                C(0) C(1) C(2) C(3) C(4) C(5) C(6) C(7) C(8) C(9) C(10) C(11) C(12) C(13) C(14)
                    C(15)
#undef C
        : [bad] "+r"(bad), [n] "+r"(n)
        : [p] "r"(p), [pid] "r"(pid), [sig] "r"((long)sig)
        : "rax", "rcx", "rdx", "rdi", "rsi", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3",
          "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
          "xmm14", "xmm15");
    return bad != 0;
}

__attribute__((target("avx2"))) static int avx_survive(uint64_t p, long n, int sig) {
    uint64_t bad = 0;
    long pid = getpid();
    __asm__ volatile(
        "vmovq %[p], %%xmm0\n\t"
        "vpbroadcastq %%xmm0, %%ymm0\n\t"
        "vmovdqa %%ymm0, %%ymm1\n\tvmovdqa %%ymm0, %%ymm2\n\tvmovdqa %%ymm0, %%ymm3\n\t"
        "vmovdqa %%ymm0, %%ymm4\n\tvmovdqa %%ymm0, %%ymm5\n\tvmovdqa %%ymm0, %%ymm6\n\t"
        "vmovdqa %%ymm0, %%ymm7\n\tvmovdqa %%ymm0, %%ymm8\n\tvmovdqa %%ymm0, %%ymm9\n\t"
        "vmovdqa %%ymm0, %%ymm10\n\tvmovdqa %%ymm0, %%ymm11\n\tvmovdqa %%ymm0, %%ymm12\n\t"
        "vmovdqa %%ymm0, %%ymm13\n\tvmovdqa %%ymm0, %%ymm14\n\tvmovdqa %%ymm0, "
        "%%ymm15\n\t" SPIN_OR_RAISE
#define C(i)                                 \
    "vextracti128 $1, %%ymm" #i ", %%xmm" #i \
    "\n\t"                                   \
    "vmovq %%xmm" #i                         \
    ", %%rdx\n\t"                            \
    "xor %[p], %%rdx\n\t"                    \
    "or %%rdx, %[bad]\n\t"
            C(0) C(1) C(2) C(3) C(4) C(5) C(6) C(7) C(8) C(9) C(10) C(11) C(12) C(13) C(14) C(15)
#undef C
                "vzeroupper\n\t"
        : [bad] "+r"(bad), [n] "+r"(n)
        : [p] "r"(p), [pid] "r"(pid), [sig] "r"((long)sig)
        : "rax", "rcx", "rdx", "rdi", "rsi", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3",
          "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
          "xmm14", "xmm15");
    return bad != 0;
}

/* ymm16-31 (Hi16_ZMM), the upper halves of zmm0-7 (ZMM_Hi256) and k1-k7 (opmask). */
__attribute__((target("avx512f,avx512vl,avx512dq"))) static int avx512_survive(uint64_t p, long n,
                                                                               int sig) {
    uint64_t bad = 0;
    long pid = getpid();
    __asm__ volatile(
#define L(i) "vpbroadcastq %[p], %%ymm" #i "\n\t"
        L(16) L(17) L(18) L(19) L(20) L(21) L(22) L(23) L(24) L(25) L(26) L(27) L(28) L(29) L(30)
            L(31)
#undef L
#define Z(i) "vpbroadcastq %[p], %%zmm" #i "\n\t"
                Z(0) Z(1) Z(2) Z(3) Z(4) Z(5) Z(6) Z(7)
#undef Z
#define K(i) "kmovw %k[p], %%k" #i "\n\t"
                    K(1) K(2) K(3) K(4) K(5) K(6) K(7)
#undef K
                        SPIN_OR_RAISE
#define C(i)                     \
    "vextracti64x2 $1, %%ymm" #i \
    ", %%xmm8\n\t"               \
    "vmovq %%xmm8, %%rdx\n\t"    \
    "xor %[p], %%rdx\n\t"        \
    "or %%rdx, %[bad]\n\t"
                            C(16) C(17) C(18) C(19) C(20) C(21) C(22) C(23) C(24) C(25) C(26) C(27)
                                C(28) C(29) C(30) C(31)
#undef C
#define CZ(i)                             \
    "vextracti64x4 $1, %%zmm" #i          \
    ", %%ymm8\n\t"                        \
    "vextracti128 $1, %%ymm8, %%xmm8\n\t" \
    "vmovq %%xmm8, %%rdx\n\t"             \
    "xor %[p], %%rdx\n\t"                 \
    "or %%rdx, %[bad]\n\t"
                                    CZ(0) CZ(1) CZ(2) CZ(3) CZ(4) CZ(5) CZ(6) CZ(7)
#undef CZ
#define CK(i)                \
    "kmovw %%k" #i           \
    ", %%edx\n\t"            \
    "xor %k[p], %%edx\n\t"   \
    "and $0xffff, %%edx\n\t" \
    "or %%rdx, %[bad]\n\t"
                                        CK(1) CK(2) CK(3) CK(4) CK(5) CK(6) CK(7)
#undef CK
                                            "vzeroupper\n\t"
        : [bad] "+r"(bad), [n] "+r"(n)
        : [p] "r"(p), [pid] "r"(pid), [sig] "r"((long)sig)
        : "rax", "rcx", "rdx", "rdi", "rsi", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3",
          "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20",
          "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30",
          "xmm31", "k1", "k2", "k3", "k4", "k5", "k6", "k7");
    return bad != 0;
}

/* The handler overwrites every register the tests use. */
__attribute__((target("avx512f,avx512vl"))) static void clobber_avx512(void) {
    __asm__ volatile(
        "vpxorq %%zmm0, %%zmm0, %%zmm0\n\t"
        "vmovdqa64 %%zmm0, %%zmm1\n\tvmovdqa64 %%zmm0, %%zmm2\n\tvmovdqa64 %%zmm0, %%zmm3\n\t"
        "vmovdqa64 %%zmm0, %%zmm4\n\tvmovdqa64 %%zmm0, %%zmm5\n\tvmovdqa64 %%zmm0, %%zmm6\n\t"
        "vmovdqa64 %%zmm0, %%zmm7\n\tvmovdqa64 %%zmm0, %%zmm16\n\tvmovdqa64 %%zmm0, %%zmm17\n\t"
        "vmovdqa64 %%zmm0, %%zmm18\n\tvmovdqa64 %%zmm0, %%zmm19\n\tvmovdqa64 %%zmm0, %%zmm20\n\t"
        "vmovdqa64 %%zmm0, %%zmm21\n\tvmovdqa64 %%zmm0, %%zmm22\n\tvmovdqa64 %%zmm0, %%zmm23\n\t"
        "vmovdqa64 %%zmm0, %%zmm24\n\tvmovdqa64 %%zmm0, %%zmm25\n\tvmovdqa64 %%zmm0, %%zmm26\n\t"
        "vmovdqa64 %%zmm0, %%zmm27\n\tvmovdqa64 %%zmm0, %%zmm28\n\tvmovdqa64 %%zmm0, %%zmm29\n\t"
        "vmovdqa64 %%zmm0, %%zmm30\n\tvmovdqa64 %%zmm0, %%zmm31\n\t"
        "kxorw %%k1, %%k1, %%k1\n\tkxorw %%k2, %%k2, %%k2\n\tkxorw %%k3, %%k3, %%k3\n\t"
        "kxorw %%k4, %%k4, %%k4\n\tkxorw %%k5, %%k5, %%k5\n\tkxorw %%k6, %%k6, %%k6\n\t"
        "kxorw %%k7, %%k7, %%k7\n\t"
        "vzeroupper" ::
            : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm16", "xmm17",
              "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26",
              "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "k1", "k2", "k3", "k4", "k5", "k6",
              "k7");
}

__attribute__((target("avx2"))) static void clobber_avx(void) {
    __asm__ volatile(
        "vpxor %%ymm0, %%ymm0, %%ymm0\n\t"
        "vmovdqa %%ymm0, %%ymm1\n\tvmovdqa %%ymm0, %%ymm2\n\tvmovdqa %%ymm0, %%ymm3\n\t"
        "vmovdqa %%ymm0, %%ymm4\n\tvmovdqa %%ymm0, %%ymm5\n\tvmovdqa %%ymm0, %%ymm6\n\t"
        "vmovdqa %%ymm0, %%ymm7\n\tvmovdqa %%ymm0, %%ymm8\n\tvmovdqa %%ymm0, %%ymm9\n\t"
        "vmovdqa %%ymm0, %%ymm10\n\tvmovdqa %%ymm0, %%ymm11\n\tvmovdqa %%ymm0, %%ymm12\n\t"
        "vmovdqa %%ymm0, %%ymm13\n\tvmovdqa %%ymm0, %%ymm14\n\tvmovdqa %%ymm0, %%ymm15\n\t"
        "vzeroupper" ::
            : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
              "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static void clobber_sse(void) {
    __asm__ volatile(
        "pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpxor %%xmm2, %%xmm2\n\t"
        "pxor %%xmm3, %%xmm3\n\tpxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
        "pxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\tpxor %%xmm8, %%xmm8\n\t"
        "pxor %%xmm9, %%xmm9\n\tpxor %%xmm10, %%xmm10\n\tpxor %%xmm11, %%xmm11\n\t"
        "pxor %%xmm12, %%xmm12\n\tpxor %%xmm13, %%xmm13\n\tpxor %%xmm14, %%xmm14\n\t"
        "pxor %%xmm15, %%xmm15" ::
            : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
              "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static void (*clobber)(void);
static volatile int handled;

static void on_signal(int sig) {
    (void)sig;
    clobber();
    handled = 1;
}

static void check(const char* name, int enabled, survive_fn fn, void (*clobber_fn)(void)) {
    if (!enabled) {
        printf("%s: not enabled\n", name);
        printf("%s across a signal handler: not enabled\n", name);
        return;
    }
    fflush(stdout);
    int pipes[PROCS][2];
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; ++p) {
        if (pipe(pipes[p]) != 0) exit(1);
        pids[p] = fork();
        if (pids[p] == 0) {
            int lost = 0;
            for (int r = 0; r < ROUNDS; ++r) {
                lost += fn(0x0101010101010101ull * (uint64_t)(p + 1) + (uint64_t)r, SPIN, 0);
            }
            if (write(pipes[p][1], &lost, sizeof lost) != sizeof lost) _exit(1);
            _exit(0);
        }
    }
    int lost = 0;
    for (int p = 0; p < PROCS; ++p) {
        int l = ROUNDS;
        if (read(pipes[p][0], &l, sizeof l) != sizeof l) l = ROUNDS;
        lost += l;
        waitpid(pids[p], NULL, 0);
        close(pipes[p][0]);
        close(pipes[p][1]);
    }
    if (lost == 0) {
        printf("%s: preserved\n", name);
    } else {
        printf("%s: LOST in %d of %d rounds\n", name, lost, PROCS * ROUNDS);
    }

    clobber = clobber_fn;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    handled = 0;
    const int bad = fn(0x1234567890abcdefull, 0, SIGUSR1);
    printf("%s across a signal handler: %s\n", name,
           !handled ? "HANDLER DID NOT RUN" : (bad ? "LOST" : "preserved"));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    check("sse", 1, sse_survive, clobber_sse);
    check("avx", avx_enabled(), avx_survive, clobber_avx);
    check("avx512", avx512_enabled(), avx512_survive, clobber_avx512);
    return 0;
}
