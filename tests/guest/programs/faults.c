/* Faults, privileged instructions and resource exhaustion, each in a child process: the parent
 * prints "<case>: <how the child ended>" ("exit N", "SIGSEGV", or an errno name when the child
 * stopped because a call failed with it), so one run covers every case and shows that the
 * kernel (and this parent) survive them all.
 *
 *   faults [--host] [case...]   run the named cases (default: all), then "faults: done"
 *   faults --list               the case names
 *   faults --raise-segv         kill itself with SIGSEGV (as init: the domain's status is 139)
 *   faults --fault-now          read a kernel address (as init: 139 and the kernel's message)
 *
 * --host: the run on the host used as the reference. Cases that would hurt the host
 * (allocating or forking without end) are then bounded with resource limits or skipped. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "common.h"

#ifndef AT_HWCAP2
#define AT_HWCAP2 26
#endif
#define HWCAP2_FSGSBASE (1ul << 1)
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

/* Exit codes of a child that stopped because a call failed: 100 + errno. */
#define EXIT_ERRNO(e) (100 + (e))

static int host_mode;

/* A system call without the C library: FS may point anywhere while these run. */
static inline long rsys(long n, long a, long b, long c, long d, long e, long f) {
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static void rsleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    rsys(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* ---- memory faults ---- */

static void c_kernel_read(void) {
    volatile char* p = (volatile char*)(uintptr_t)KERNEL_ADDR;
    (void)*p;
}

static void c_kernel_write(void) {
    volatile char* p = (volatile char*)(uintptr_t)KERNEL_ADDR;
    *p = 1;
}

static void c_noncanonical_read(void) {
    volatile char* p = (volatile char*)(uintptr_t)0x8000000000000000ull;
    (void)*p;
}

static volatile char* unmapped_page(void) {
    char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) _exit(EXIT_ERRNO(errno));
    munmap(p, 4096);
    return p;
}

static void c_unmapped_read(void) {
    volatile char* p = unmapped_page();
    (void)*p;
}

static void c_unmapped_write(void) {
    volatile char* p = unmapped_page();
    *p = 1;
}

static void c_null_read(void) {
    volatile int* p = (volatile int*)(uintptr_t)(getpid() & 0); /* not provably null */
    (void)*p;
}

static void c_prot_none_read(void) {
    volatile char* p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) _exit(EXIT_ERRNO(errno));
    (void)*p;
}

static void c_read_only_write(void) {
    volatile char* p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) _exit(EXIT_ERRNO(errno));
    (void)*p;
    *p = 1;
}

static void c_mprotect_then_write(void) {
    char* p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) _exit(EXIT_ERRNO(errno));
    p[4096] = 1; /* present and writable first: the protection change must take effect */
    if (mprotect(p + 4096, 4096, PROT_READ) != 0) _exit(EXIT_ERRNO(errno));
    if (p[4096] != 1) _exit(2);
    ((volatile char*)p)[4096] = 2;
}

__attribute__((noinline, used)) void write_code_target(void);
__attribute__((noinline, used)) void write_code_target(void) {
    __asm__ volatile("nop");
}

static void c_write_code(void) {
    volatile unsigned char* p = (volatile unsigned char*)(uintptr_t)&write_code_target;
    *p = 0xc3;
}

static void c_exec_data(void) {
    unsigned char* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) _exit(EXIT_ERRNO(errno));
    p[0] = 0xc3; /* ret */
    void (*fn)(void) = (void (*)(void))(uintptr_t)p;
    fn();
}

static void c_exec_stack(void) {
    volatile unsigned char code[16] = {0xc3};
    void (*fn)(void) = (void (*)(void))(uintptr_t)code;
    fn();
}

static void c_jump_kernel(void) {
    void (*fn)(void) = (void (*)(void))(uintptr_t)KERNEL_ADDR;
    fn();
}

static void c_jump_noncanonical(void) {
    void (*fn)(void) = (void (*)(void))(uintptr_t)0x0000800000000000ull;
    fn();
}

static void c_jump_null(void) {
    void (*fn)(void) = (void (*)(void))(uintptr_t)(getpid() & 0);
    fn();
}

static volatile int recursion_limit = 1 << 30; /* never reached: the stack ends first */

static int recurse(int n) {
    volatile char pad[512];
    pad[0] = (char)n;
    if (n == recursion_limit) return 0;
    return recurse(n + 1) + pad[0];
}

static void c_stack_overflow(void) {
    printf("unreachable %d\n", recurse(0));
}

static void c_mmap_past_eof(void) {
    char path[] = "/tmp/faults-bus-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) _exit(EXIT_ERRNO(errno));
    unlink(path);
    if (write(fd, "x", 1) != 1) _exit(EXIT_ERRNO(errno));
    volatile char* p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) _exit(EXIT_ERRNO(errno));
    if (p[0] != 'x' || p[1] != 0) _exit(2);
    (void)p[4096]; /* beyond the page that holds the end of the file */
}

/* ---- instructions ---- */

static void c_cli(void) {
    __asm__ volatile("cli");
}

static void c_sti(void) {
    __asm__ volatile("sti");
}

static void c_hlt(void) {
    __asm__ volatile("hlt");
}

static void c_in(void) {
    __asm__ volatile("inb $0x80, %%al" ::: "rax");
}

static void c_out(void) {
    __asm__ volatile("outb %%al, $0x80" ::"a"(0));
}

static void c_out_uart(void) {
    __asm__ volatile("outb %%al, %%dx" ::"a"('X'), "d"(0x3f8));
}

/* The Domus hypercall instruction, asking to power off the domain. */
static void c_out_hypercall(void) {
    __asm__ volatile("outb %%al, $0xe5" ::"a"(4), "D"(0), "S"(0) : "memory");
}

static void c_int80(void) {
    /* As a 32-bit exit(42) it would end the child with status 42. */
    __asm__ volatile("int $0x80" ::"a"(1), "b"(42) : "memory");
}

static void c_sysenter(void) {
    __asm__ volatile("sysenter" ::"a"(1), "b"(42) : "memory");
}

static void c_int14(void) {
    __asm__ volatile("int $14");
}

static void c_int32(void) {
    __asm__ volatile("int $32");
}

static void c_int255(void) {
    __asm__ volatile("int $255");
}

static void c_int3(void) {
    __asm__ volatile("int3");
}

static void c_ud2(void) {
    __asm__ volatile("ud2");
}

/* Exit 0: KVM refused the hypercall from user mode (rax = -KVM_EPERM); 1: anything else. */
static void c_vmcall(void) {
    long rax = 12;
    __asm__ volatile("vmcall" : "+a"(rax)::"memory");
    _exit(rax == -1 ? 0 : 1);
}

/* The same for AMD's instruction: refused by KVM on an AMD host, #UD on an Intel one. */
static void c_vmmcall(void) {
    long rax = 12;
    __asm__ volatile("vmmcall" : "+a"(rax)::"memory");
    _exit(rax == -1 ? 0 : 1);
}

static void c_rdmsr(void) {
    __asm__ volatile("rdmsr" ::"c"(0xc0000100) : "rax", "rdx");
}

static void c_wrmsr(void) {
    __asm__ volatile("wrmsr" ::"c"(0xc0000100), "a"(0), "d"(0));
}

static void c_read_cr3(void) {
    __asm__ volatile("mov %%cr3, %%rax" ::: "rax");
}

static void c_write_cr3(void) {
    __asm__ volatile("mov %%rax, %%cr3" ::"a"(0));
}

static void c_swapgs(void) {
    __asm__ volatile("swapgs");
}

static void c_sysretq(void) {
    __asm__ volatile("sysretq");
}

static void c_lgdt(void) {
    static unsigned char desc[10];
    __asm__ volatile("lgdt %0" ::"m"(desc));
}

static void c_invlpg(void) {
    static char page[4096];
    __asm__ volatile("invlpg %0" ::"m"(page[0]));
}

static void c_wbinvd(void) {
    __asm__ volatile("wbinvd");
}

static void c_divide_by_zero(void) {
    __asm__ volatile("xor %%edx, %%edx\n\tmov $1, %%eax\n\txor %%ecx, %%ecx\n\tdivl %%ecx" ::
                         : "rax", "rcx", "rdx");
}

static void c_divide_overflow(void) {
    __asm__ volatile("mov $-1, %%ecx\n\tmov $0x80000000, %%eax\n\tcltd\n\tidivl %%ecx" ::
                         : "rax", "rcx", "rdx");
}

/* ---- the stack pointer points at nothing while the child is preempted ---- */

__attribute__((noreturn)) static void spin_with_rsp(uint64_t rsp) {
    __asm__ volatile("mov %0, %%rsp\n1:\tjmp 1b" ::"r"(rsp));
    __builtin_unreachable();
}

static void c_spin_rsp_kernel(void) {
    spin_with_rsp(KERNEL_ADDR + 0x1000);
}

static void c_spin_rsp_unmapped(void) {
    spin_with_rsp(0x10000);
}

static void c_spin_rsp_noncanonical(void) {
    spin_with_rsp(0x8000000000001000ull);
}

static void c_spin_rsp_code(void) {
    spin_with_rsp((uint64_t)(uintptr_t)&c_spin_rsp_code + 256);
}

/* ---- signals ---- */

static void on_usr1(int sig) {
    (void)sig;
}

/* A signal arrives while the stack pointer is unusable: the frame cannot be built. */
static void c_signal_bad_stack(void) {
    signal(SIGUSR1, on_usr1);
    long pid = getpid();
    __asm__ volatile("mov %0, %%rsp\n\tsyscall\n1:\tjmp 1b" ::"r"(0x10000ul), "a"((long)SYS_kill),
                     "D"(pid), "S"((long)SIGUSR1)
                     : "rcx", "r11", "memory");
}

struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};
#define SA_RESTORER_FLAG 0x04000000

static void raw_handler_then_raise(uint64_t handler, uint64_t restorer) {
    struct kernel_sigaction sa = {(void (*)(int))(uintptr_t)handler, SA_RESTORER_FLAG,
                                  (void (*)(void))(uintptr_t)restorer, 0};
    long r = rsys(SYS_rt_sigaction, SIGUSR1, (long)&sa, 0, 8, 0, 0);
    if (r < 0) _exit(EXIT_ERRNO((int)-r));
    rsys(SYS_kill, getpid(), SIGUSR1, 0, 0, 0, 0);
}

static void return_only(int sig) {
    (void)sig;
}

static void c_handler_kernel(void) {
    raw_handler_then_raise(KERNEL_ADDR, KERNEL_ADDR);
}

static void c_handler_noncanonical(void) {
    raw_handler_then_raise(0x0000800000000000ull, 0x0000800000000000ull);
}

static void c_restorer_kernel(void) {
    raw_handler_then_raise((uint64_t)(uintptr_t)return_only, KERNEL_ADDR);
}

/* rt_sigreturn with a forged frame: the kernel must not take the privileged parts of it. */
static unsigned char alt_stack[16384] __attribute__((aligned(16)));
static ucontext_t forged __attribute__((aligned(64)));

__attribute__((noreturn)) static void sigreturn_with(ucontext_t* uc) {
    __asm__ volatile("mov %0, %%rsp\n\tmov %1, %%eax\n\tsyscall\n1:\tjmp 1b" ::"r"(uc),
                     "i"(SYS_rt_sigreturn)
                     : "memory");
    __builtin_unreachable();
}

static void cli_then_exit0(void) {
    __asm__ volatile("cli");
    rsys(SYS_exit, 0, 0, 0, 0, 0, 0);
}

static void exit0(void) {
    rsys(SYS_exit, 0, 0, 0, 0, 0, 0);
}

static void forge(uint64_t rip, uint64_t rflags, uint16_t cs, uint16_t ss) {
    memset(&forged, 0, sizeof forged);
    forged.uc_mcontext.gregs[REG_RIP] = (greg_t)rip;
    forged.uc_mcontext.gregs[REG_RSP] = (greg_t)(uintptr_t)(alt_stack + sizeof alt_stack - 8);
    forged.uc_mcontext.gregs[REG_EFL] = (greg_t)rflags;
    /* cs, gs, fs, ss: four 16-bit fields */
    forged.uc_mcontext.gregs[REG_CSGSFS] = (greg_t)((uint64_t)cs | ((uint64_t)ss << 48));
}

static void c_sigreturn_zeros(void) {
    memset(&forged, 0, sizeof forged);
    sigreturn_with(&forged);
}

static void c_sigreturn_ones(void) {
    memset(&forged, 0xff, sizeof forged);
    forged.uc_mcontext.fpregs = NULL;
    sigreturn_with(&forged);
}

static void c_sigreturn_iopl(void) {
    /* IOPL 3 and IF in RFLAGS: `cli` must still fault. */
    forge((uint64_t)(uintptr_t)cli_then_exit0, 0x3202, 0x33, 0x2b);
    sigreturn_with(&forged);
}

static void c_sigreturn_kernel_rip(void) {
    forge(KERNEL_ADDR, 0x202, 0x33, 0x2b);
    sigreturn_with(&forged);
}

static void c_sigreturn_noncanonical_rip(void) {
    forge(0x8000000000000000ull, 0x202, 0x33, 0x2b);
    sigreturn_with(&forged);
}

static void c_sigreturn_good(void) {
    /* The control case: a well-formed frame resumes at rip. */
    forge((uint64_t)(uintptr_t)exit0, 0x202, 0x33, 0x2b);
    sigreturn_with(&forged);
}

static sigjmp_buf jump_back;
static volatile void* fault_addr;
static volatile int fault_code;

static void on_fault(int sig, siginfo_t* si, void* ctx) {
    (void)sig;
    (void)ctx;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jump_back, 1);
}

/* A handler sees the faulting address and the kind of fault, and can recover. */
static void c_segv_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    volatile char* ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile char* none = unmapped_page();
    int bad = 0;
    if (sigsetjmp(jump_back, 1) == 0) *ro = 1;
    if (fault_addr != ro || fault_code != SEGV_ACCERR) bad |= 1;
    if (sigsetjmp(jump_back, 1) == 0) (void)*(none + 8);
    if (fault_addr != none + 8 || fault_code != SEGV_MAPERR) bad |= 2;
    if (sigsetjmp(jump_back, 1) == 0) c_divide_by_zero();
    if (fault_code != FPE_INTDIV) bad |= 4;
    if (sigsetjmp(jump_back, 1) == 0) c_ud2();
    if (fault_code != ILL_ILLOPN) bad |= 8;
    _exit(bad);
}

static void c_raise_segv(void) {
    raise(SIGSEGV);
}

static void c_abort(void) {
    abort();
}

static void c_sigpipe(void) {
    int p[2];
    if (pipe(p) != 0) _exit(EXIT_ERRNO(errno));
    close(p[0]);
    if (write(p[1], "x", 1) < 0) _exit(EXIT_ERRNO(errno));
}

static void c_exit42(void) {
    exit(42);
}

/* vfork: the parent resumes when the child exits without exec, also with SIGCHLD ignored
 * (then the child is reaped at once and wait finds none). */
static void c_vfork_exit(void) {
    pid_t pid = vfork();
    if (pid == 0) _exit(5);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 5) _exit(2);
    signal(SIGCHLD, SIG_IGN);
    pid = vfork();
    if (pid == 0) _exit(6);
    if (pid < 0 || wait(NULL) != -1 || errno != ECHILD) _exit(3);
    _exit(0);
}

/* With RLIMIT_CORE 0 (Linux's default for init) no core is written, and the wait status must
 * not claim one was (WCOREDUMP). Exit 0: no flag; 1: the flag; 2: not killed by SIGSEGV. */
static void c_no_core_flag(void) {
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    pid_t pid = fork();
    if (pid == 0) {
        raise(SIGSEGV);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV) _exit(2);
    _exit(WCOREDUMP(status) ? 1 : 0);
}

/* ---- FS and GS base ---- */

static uint64_t tls_a[64] __attribute__((aligned(64)));
static uint64_t tls_b[64] __attribute__((aligned(64)));

static inline uint64_t read_fs0(void) {
    uint64_t v;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(v));
    return v;
}

static inline uint64_t read_gs0(void) {
    uint64_t v;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(v));
    return v;
}

static inline void wrfsbase(uint64_t v) {
    __asm__ volatile("wrfsbase %0" ::"r"(v));
}

static inline void wrgsbase(uint64_t v) {
    __asm__ volatile("wrgsbase %0" ::"r"(v));
}

/* Sets the base (with arch_prctl or the instruction), sleeps while another process with a base
 * of its own runs, and checks the value stayed. Only raw system calls while it is changed.
 * Exit codes: 0 ok, 1 set failed, 2 lost across a sleep, 3 the other process saw the wrong
 * base, 4 arch_prctl(GET) disagrees, 5 lost across wait4. */
static int base_test(int gs, int use_insn) {
    uint64_t saved = 0;
    rsys(SYS_arch_prctl, gs ? ARCH_GET_GS : ARCH_GET_FS, (long)&saved, 0, 0, 0, 0);
    tls_a[0] = 0x1111111111111111ull;
    tls_b[0] = 0x2222222222222222ull;
    const uint64_t a = (uint64_t)(uintptr_t)tls_a;
    const uint64_t b = (uint64_t)(uintptr_t)tls_b;
    int rc = 0;
    if (use_insn) {
        if (gs) {
            wrgsbase(a);
        } else {
            wrfsbase(a);
        }
    } else if (rsys(SYS_arch_prctl, gs ? ARCH_SET_GS : ARCH_SET_FS, (long)a, 0, 0, 0, 0) != 0) {
        return 1;
    }
    long pid = rsys(SYS_fork, 0, 0, 0, 0, 0, 0);
    if (pid == 0) {
        if (use_insn) {
            if (gs) {
                wrgsbase(b);
            } else {
                wrfsbase(b);
            }
        } else {
            rsys(SYS_arch_prctl, gs ? ARCH_SET_GS : ARCH_SET_FS, (long)b, 0, 0, 0, 0);
        }
        int bad = 0;
        for (int i = 0; i < 20 && !bad; ++i) {
            bad = (gs ? read_gs0() : read_fs0()) != tls_b[0];
            rsleep_ms(1);
        }
        rsys(SYS_exit, bad ? 3 : 0, 0, 0, 0, 0, 0);
    }
    for (int i = 0; i < 10 && rc == 0; ++i) {
        rsleep_ms(2);
        if ((gs ? read_gs0() : read_fs0()) != tls_a[0]) rc = 2;
    }
    int status = 0;
    if (pid > 0) rsys(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    if (rc == 0 && (gs ? read_gs0() : read_fs0()) != tls_a[0]) rc = 5;
    uint64_t now = 0;
    rsys(SYS_arch_prctl, gs ? ARCH_GET_GS : ARCH_GET_FS, (long)&now, 0, 0, 0, 0);
    if (rc == 0 && now != a) rc = 4;
    if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) != 0) rc = WEXITSTATUS(status);
    if (rc == 0 && !WIFEXITED(status)) rc = 3;
    rsys(SYS_arch_prctl, gs ? ARCH_SET_GS : ARCH_SET_FS, (long)saved, 0, 0, 0, 0);
    return rc;
}

static void c_fs_arch_prctl(void) {
    _exit(base_test(0, 0));
}

static void c_gs_arch_prctl(void) {
    _exit(base_test(1, 0));
}

/* With the instruction: it must either work like arch_prctl (the base survives sleeps, other
 * processes and the kernel's own use of the registers) or be refused with SIGILL. Exit 0: it
 * worked; 7: SIGILL (then AT_HWCAP2 must not offer FSGSBASE: see fsgsbase-hwcap2). */
static void insn_case(int gs) {
    pid_t pid = fork();
    if (pid == 0) _exit(base_test(gs, 1));
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGILL) _exit(7);
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 8);
}

/* AT_HWCAP2's FSGSBASE bit tells programs whether they may use the instructions: it must say
 * so exactly when they work. Exit 0: consistent; 1: offered but refused; 2: works but not
 * offered. */
static void c_fsgsbase_hwcap2(void) {
    const int offered = (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) != 0;
    pid_t pid = fork();
    if (pid == 0) {
        uint64_t v;
        __asm__ volatile("rdfsbase %0" : "=r"(v));
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    const int works = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    _exit(offered == works ? 0 : (offered ? 1 : 2));
}

static void c_fs_wrfsbase(void) {
    insn_case(0);
}

static void c_gs_wrgsbase(void) {
    insn_case(1);
}

/* ---- exhaustion ---- */

static void limit_for_host(void) {
    if (!host_mode) return;
    struct rlimit r = {256ul << 20, 256ul << 20};
    setrlimit(RLIMIT_AS, &r);
}

static void c_alloc_mmap(void) {
    limit_for_host();
    for (;;) {
        char* p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) _exit(EXIT_ERRNO(errno));
        for (int i = 0; i < (1 << 20); i += 4096) p[i] = 1;
    }
}

static void c_alloc_brk(void) {
    limit_for_host();
    char* cur = (char*)rsys(SYS_brk, 0, 0, 0, 0, 0, 0);
    for (;;) {
        char* want = cur + (1 << 20);
        char* got = (char*)rsys(SYS_brk, (long)want, 0, 0, 0, 0, 0);
        if (got != want) _exit(EXIT_ERRNO(ENOMEM));
        for (char* p = cur; p < want; p += 4096) *p = 1;
        cur = want;
    }
}

static void c_alloc_lazy(void) {
    limit_for_host();
    /* A reservation far larger than the domain, then touched until something gives. */
    const size_t len = 16ul << 30;
    char* p =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) _exit(EXIT_ERRNO(errno));
    for (size_t i = 0; i < len; i += 4096) p[i] = 1;
}

/* fork is copy-on-write: 16 MiB touched, then 6 children that read it and wait, in a domain
 * too small for 7 copies. Exit 0: every child saw the data and could write its own copy of a
 * page without the others seeing it. */
static void c_fork_cow(void) {
    const size_t len = 16u << 20;
    unsigned char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) _exit(EXIT_ERRNO(errno));
    for (size_t i = 0; i < len; i += 4096) p[i] = (unsigned char)(i >> 12);
    pid_t kids[6];
    int pipes[6][2];
    for (int k = 0; k < 6; ++k) {
        if (pipe(pipes[k]) != 0) _exit(EXIT_ERRNO(errno));
        kids[k] = fork();
        if (kids[k] < 0) _exit(EXIT_ERRNO(errno));
        if (kids[k] == 0) {
            int ok = 1;
            for (size_t i = 0; i < len; i += 4096) ok &= p[i] == (unsigned char)(i >> 12);
            p[4096 * (size_t)k] = 0xee; /* this child's own copy of one page */
            char c = ok ? 'y' : 'n';
            if (write(pipes[k][1], &c, 1) != 1) _exit(1);
            for (;;) pause();
        }
    }
    int bad = 0;
    for (int k = 0; k < 6; ++k) {
        char c = 0;
        if (read(pipes[k][0], &c, 1) != 1 || c != 'y') bad = 1;
    }
    for (size_t i = 0; i < len; i += 4096) bad |= p[i] != (unsigned char)(i >> 12);
    for (int k = 0; k < 6; ++k) kill(kids[k], SIGKILL);
    for (int k = 0; k < 6; ++k) waitpid(kids[k], NULL, 0);
    _exit(bad ? 2 : 0);
}

static pid_t forked[1 << 16];

static void c_fork_forever(void) {
    if (host_mode) _exit(3); /* never on the host: root has no process limit there */
    int n = 0;
    int err = 0;
    while (n < (int)(sizeof forked / sizeof forked[0])) {
        pid_t pid = fork();
        if (pid == 0) {
            for (;;) pause();
        }
        if (pid < 0) {
            err = errno;
            break;
        }
        forked[n++] = pid;
    }
    printf("fork-forever-processes: %d\n", n);
    for (int i = 0; i < n; ++i) kill(forked[i], SIGKILL);
    for (int i = 0; i < n; ++i) waitpid(forked[i], NULL, 0);
    /* The limit was not permanent: forking works again. */
    pid_t again = fork();
    if (again == 0) _exit(0);
    if (again < 0) _exit(3);
    waitpid(again, NULL, 0);
    _exit(err ? EXIT_ERRNO(err) : 2);
}

/* ---- preemption ---- */

static void c_spin(void) {
    for (volatile unsigned long i = 0;; ++i) {
    }
}

static void c_sleep_long(void) {
    sleep_ms(60000);
}

/* Two spinners and a third process that makes progress while they spin. */
static void c_spin_share(void) {
    pid_t a = fork();
    if (a == 0) c_spin();
    pid_t b = fork();
    if (b == 0) c_spin();
    int p[2];
    if (pipe(p) != 0) _exit(EXIT_ERRNO(errno));
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        for (volatile unsigned long i = 0;; ++i) {
            if (i % (1ul << 20) == (1ul << 20) - 1 && write(p[1], "x", 1) != 1) _exit(1);
        }
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    /* This process too must get the CPU back, again and again, and see the third one's
     * progress (a few seconds at most, however loaded the host). */
    char buf[64];
    ssize_t got = 0;
    for (int i = 0; i < 100 && got <= 0; ++i) {
        sleep_ms(50);
        got = read(p[0], buf, sizeof buf);
    }
    kill(a, SIGKILL);
    kill(b, SIGKILL);
    kill(c, SIGKILL);
    waitpid(a, NULL, 0);
    waitpid(b, NULL, 0);
    waitpid(c, NULL, 0);
    _exit(got > 0 ? 0 : 4);
}

/* ---- the table ---- */

struct fault_case {
    const char* name;
    void (*child)(void);
    int kill_after_ms; /* the parent sends kill_sig after this long (0: never) */
    int kill_sig;
};

static const struct fault_case cases[] = {
    {"kernel-read", c_kernel_read, 0, 0},
    {"kernel-write", c_kernel_write, 0, 0},
    {"noncanonical-read", c_noncanonical_read, 0, 0},
    {"unmapped-read", c_unmapped_read, 0, 0},
    {"unmapped-write", c_unmapped_write, 0, 0},
    {"null-read", c_null_read, 0, 0},
    {"prot-none-read", c_prot_none_read, 0, 0},
    {"read-only-write", c_read_only_write, 0, 0},
    {"mprotect-then-write", c_mprotect_then_write, 0, 0},
    {"write-code", c_write_code, 0, 0},
    {"exec-data", c_exec_data, 0, 0},
    {"exec-stack", c_exec_stack, 0, 0},
    {"jump-kernel", c_jump_kernel, 0, 0},
    {"jump-noncanonical", c_jump_noncanonical, 0, 0},
    {"jump-null", c_jump_null, 0, 0},
    {"stack-overflow", c_stack_overflow, 0, 0},
    {"mmap-past-eof", c_mmap_past_eof, 0, 0},
    {"cli", c_cli, 0, 0},
    {"sti", c_sti, 0, 0},
    {"hlt", c_hlt, 0, 0},
    {"in", c_in, 0, 0},
    {"out", c_out, 0, 0},
    {"out-uart", c_out_uart, 0, 0},
    {"out-hypercall", c_out_hypercall, 0, 0},
    {"int80", c_int80, 0, 0},
    {"sysenter", c_sysenter, 0, 0},
    {"int14", c_int14, 0, 0},
    {"int32", c_int32, 0, 0},
    {"int255", c_int255, 0, 0},
    {"int3", c_int3, 0, 0},
    {"ud2", c_ud2, 0, 0},
    {"vmcall", c_vmcall, 0, 0},
    {"vmmcall", c_vmmcall, 0, 0},
    {"rdmsr", c_rdmsr, 0, 0},
    {"wrmsr", c_wrmsr, 0, 0},
    {"read-cr3", c_read_cr3, 0, 0},
    {"write-cr3", c_write_cr3, 0, 0},
    {"swapgs", c_swapgs, 0, 0},
    {"sysretq", c_sysretq, 0, 0},
    {"lgdt", c_lgdt, 0, 0},
    {"invlpg", c_invlpg, 0, 0},
    {"wbinvd", c_wbinvd, 0, 0},
    {"divide-by-zero", c_divide_by_zero, 0, 0},
    {"divide-overflow", c_divide_overflow, 0, 0},
    {"spin-rsp-kernel", c_spin_rsp_kernel, 50, SIGKILL},
    {"spin-rsp-unmapped", c_spin_rsp_unmapped, 50, SIGKILL},
    {"spin-rsp-noncanonical", c_spin_rsp_noncanonical, 50, SIGKILL},
    {"spin-rsp-code", c_spin_rsp_code, 50, SIGKILL},
    {"signal-bad-stack", c_signal_bad_stack, 0, 0},
    {"handler-kernel", c_handler_kernel, 0, 0},
    {"handler-noncanonical", c_handler_noncanonical, 0, 0},
    {"restorer-kernel", c_restorer_kernel, 0, 0},
    {"sigreturn-zeros", c_sigreturn_zeros, 0, 0},
    {"sigreturn-ones", c_sigreturn_ones, 0, 0},
    {"sigreturn-iopl", c_sigreturn_iopl, 0, 0},
    {"sigreturn-kernel-rip", c_sigreturn_kernel_rip, 0, 0},
    {"sigreturn-noncanonical-rip", c_sigreturn_noncanonical_rip, 0, 0},
    {"sigreturn-good", c_sigreturn_good, 0, 0},
    {"segv-handler", c_segv_handler, 0, 0},
    {"raise-segv", c_raise_segv, 0, 0},
    {"abort", c_abort, 0, 0},
    {"sigpipe", c_sigpipe, 0, 0},
    {"exit42", c_exit42, 0, 0},
    {"vfork-exit", c_vfork_exit, 0, 0},
    {"no-core-flag", c_no_core_flag, 0, 0},
    {"fs-arch-prctl", c_fs_arch_prctl, 0, 0},
    {"gs-arch-prctl", c_gs_arch_prctl, 0, 0},
    {"fs-wrfsbase", c_fs_wrfsbase, 0, 0},
    {"gs-wrgsbase", c_gs_wrgsbase, 0, 0},
    {"fsgsbase-hwcap2", c_fsgsbase_hwcap2, 0, 0},
    {"alloc-mmap", c_alloc_mmap, 0, 0},
    {"alloc-brk", c_alloc_brk, 0, 0},
    {"alloc-lazy", c_alloc_lazy, 0, 0},
    {"fork-cow", c_fork_cow, 0, 0},
    {"fork-forever", c_fork_forever, 0, 0},
    {"spin-kill", c_spin, 50, SIGKILL},
    {"spin-term", c_spin, 50, SIGTERM},
    {"sleep-kill", c_sleep_long, 20, SIGKILL},
    {"spin-share", c_spin_share, 0, 0},
};

static const char* outcome(int status) {
    if (WIFEXITED(status) && WEXITSTATUS(status) > 100)
        return errno_name(WEXITSTATUS(status) - 100);
    return describe_status(status);
}

static void run_case(const struct fault_case* c) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("%s: fork failed: %s\n", c->name, errno_name(errno));
        return;
    }
    if (pid == 0) {
        c->child();
        _exit(0);
    }
    if (c->kill_after_ms > 0) {
        sleep_ms(c->kill_after_ms);
        kill(pid, c->kill_sig);
    }
    /* Anything still running after 20 s has hung: say so and go on. */
    int status = 0;
    for (int waited_ms = 0;; ++waited_ms) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0) {
            printf("%s: waitpid failed: %s\n", c->name, errno_name(errno));
            return;
        }
        if (waited_ms == 20000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            printf("%s: hung (killed after 20 s)\n", c->name);
            return;
        }
        sleep_ms(1);
    }
    printf("%s: %s\n", c->name, outcome(status));
}

/* After everything: memory can still be had, processes still start. */
static void check_survival(void) {
    size_t len = 16u << 20;
    char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int ok = p != MAP_FAILED;
    for (size_t i = 0; ok && i < len; i += 4096) p[i] = 1;
    if (ok) munmap(p, len);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int status = -1;
    if (pid > 0) waitpid(pid, &status, 0);
    printf("after: 16 MiB %s, fork %s\n", ok ? "ok" : "FAILED", status == 0 ? "ok" : "FAILED");
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) printf("%s\n", cases[i].name);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--raise-segv") == 0) {
        raise(SIGSEGV);
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "--fault-now") == 0) {
        c_kernel_read();
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "--host") == 0) {
        host_mode = 1;
        first = 2;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        int wanted = first >= argc;
        for (int a = first; a < argc && !wanted; ++a) wanted = strcmp(argv[a], cases[i].name) == 0;
        if (wanted) run_case(&cases[i]);
    }
    check_survival();
    printf("faults: done\n");
    return 0;
}
