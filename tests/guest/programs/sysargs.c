/* Hostile system-call arguments, one family per run: bad pointers, fds, flags, lengths and
 * paths, through raw syscall() so the C library checks nothing first. Prints "<case>: <errno
 * name>" ("ok" on success, "ok N" where the value is the same everywhere), to be compared
 * line by line with the same binary on the host.
 *
 *   sysargs FAMILY [SCRATCH-DIR]    FAMILY: files memory process signals time futex poll
 *                                   random, or all; files work in SCRATCH-DIR (default /tmp) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* <linux/futex.h> is not there for musl-gcc */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)

#define BAD_PTR ((long)1)
#define KPTR ((long)KERNEL_ADDR)
#define NONCANON ((long)0x8000000000000000ull)

/* The result of a raw call: errno name, "ok", or "ok N" when show_value. */
static void report(const char* name, long r, int show_value) {
    if (r == -1) {
        printf("%s: %s\n", name, errno_name(errno));
    } else if (show_value) {
        printf("%s: ok %ld\n", name, r);
    } else {
        printf("%s: ok\n", name);
    }
}

#define T(name, call) (errno = 0, report(name, (long)(call), 0))
#define TV(name, call) (errno = 0, report(name, (long)(call), 1))

static long sc(long n, long a, long b, long c, long d, long e, long f) {
    return syscall(n, a, b, c, d, e, f);
}
#define S0(n) sc(n, 0, 0, 0, 0, 0, 0)
#define S1(n, a) sc(n, (long)(a), 0, 0, 0, 0, 0)
#define S2(n, a, b) sc(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define S3(n, a, b, c) sc(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define S4(n, a, b, c, d) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define S5(n, a, b, c, d, e) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define S6(n, a, b, c, d, e, f) \
    sc(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static char big[2 * 4096 + 64];
static char long_path[8192];
static char long_name[300];

/* A buffer whose second page is not mapped. */
static char* edge_buffer(void) {
    char* p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) exit(1);
    munmap(p + 4096, 4096);
    return p;
}

/* For calls that would do harm where a kernel wrongly accepts them (execve, clone): made in a
 * child, which reports through a pipe. A call that succeeds and returns 0 (a new process) and
 * an execve that succeeds report nothing: "ran". */
static void in_child(const char* name, long n, long a, long b, long c, long d, long e) {
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) != 0) exit(1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(pp[0]);
        errno = 0;
        long r = syscall(n, a, b, c, d, e, 0);
        if (r == 0) _exit(0);
        const char* what = r == -1 ? errno_name(errno) : "ok";
        if (write(pp[1], what, strlen(what)) < 0) _exit(1);
        _exit(0);
    }
    close(pp[1]);
    char msg[64];
    size_t len = 0;
    for (;;) {
        ssize_t got = read(pp[0], msg + len, sizeof msg - 1 - len);
        if (got <= 0) break;
        len += (size_t)got;
    }
    msg[len] = 0;
    close(pp[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (len > 0) {
        printf("%s: %s\n", name, msg);
    } else {
        printf("%s: ran (%s)\n", name, describe_status(status));
    }
}

static void files(const char* scratch) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/sysargs-files", scratch);
    mkdir(dir, 0755);
    if (chdir(dir) != 0) {
        printf("cannot enter the scratch directory\n");
        exit(1);
    }
    /* a file with 5000 bytes, a directory with an entry, a symlink */
    int fd = open("file", O_CREAT | O_TRUNC | O_RDWR, 0644);
    memset(big, 'a', sizeof big);
    if (fd < 0 || write(fd, big, 5000) != 5000) exit(1);
    close(fd);
    mkdir("dir", 0755);
    close(open("dir/entry", O_CREAT | O_WRONLY, 0644));
    symlink("file", "link");
    int rfd = open("file", O_RDONLY);
    int wfd = open("file", O_WRONLY);
    int dfd = open("dir", O_RDONLY | O_DIRECTORY);
    int p[2];
    if (pipe(p) != 0) exit(1);
    memset(long_path, 'x', sizeof long_path - 1);
    for (size_t i = 100; i < sizeof long_path - 1; i += 100) long_path[i] = '/';
    memset(long_name, 'n', sizeof long_name - 1);

    /* bad pointers */
    T("open-null-path", S3(SYS_open, 0, O_RDONLY, 0));
    T("open-bad-path", S3(SYS_open, BAD_PTR, O_RDONLY, 0));
    T("open-kernel-path", S3(SYS_open, KPTR, O_RDONLY, 0));
    T("open-noncanonical-path", S3(SYS_open, NONCANON, O_RDONLY, 0));
    T("openat-kernel-path", S4(SYS_openat, AT_FDCWD, KPTR, O_RDONLY, 0));
    T("read-null-buf", S3(SYS_read, rfd, 0, 16));
    T("read-kernel-buf", S3(SYS_read, rfd, KPTR, 16));
    T("pread-kernel-buf", S4(SYS_pread64, rfd, KPTR, 16, 0));
    T("write-kernel-buf", S3(SYS_write, wfd, KPTR, 16));
    T("write-pipe-kernel-buf", S3(SYS_write, p[1], KPTR, 16));
    T("pwrite-null-buf", S4(SYS_pwrite64, wfd, 0, 16, 0));
    {
        /* reading across into an unmapped page: a short read or EFAULT, never a kernel fault */
        char* edge = edge_buffer();
        errno = 0;
        long r = S4(SYS_pread64, rfd, edge + 4096 - 100, 1000, 0);
        printf("pread-into-edge: %s\n",
               r == 100 || (r == -1 && errno == EFAULT) ? "short or EFAULT" : "wrong");
        memcpy(edge + 4096 - 8, "abcdefgh", 8);
        errno = 0;
        r = S4(SYS_pwrite64, wfd, edge + 4096 - 8, 100, 0);
        printf("pwrite-from-edge: %s\n",
               r == 8 || (r == -1 && errno == EFAULT) ? "short or EFAULT" : "wrong");
        munmap(edge, 4096);
    }
    {
        /* /dev/zero clears what it is given, up to an unmapped page; /dev/null takes every
           write whole without looking at the buffer, as Linux's do */
        int zfd = open("/dev/zero", O_RDWR);
        int nfd = open("/dev/null", O_WRONLY);
        memset(big, 'a', 8192);
        long r = read(zfd, big + 1, 8000);
        int zeros = 1;
        for (int i = 1; i <= 8000; ++i) zeros &= big[i] == 0;
        printf("read-devzero: %ld %s %s\n", r, zeros ? "zeros" : "not zeros",
               big[0] == 'a' && big[8001] == 'a' ? "bounded" : "overrun");
        char* edge = edge_buffer();
        memset(edge, 'a', 4096);
        errno = 0;
        r = S3(SYS_read, zfd, edge + 4096 - 100, 1000);
        printf("read-devzero-into-edge: %ld %d %s\n", r, r < 0 ? errno : 0,
               edge[4096 - 101] == 'a' && edge[4096 - 1] == 0 ? "bounded" : "wrong");
        munmap(edge, 4096);
        T("read-devzero-kernel-buf", S3(SYS_read, zfd, KPTR, 16));
        T("pread-devzero-bad-buf", S4(SYS_pread64, zfd, BAD_PTR, 16, 0));
        T("write-devnull-bad-buf", S3(SYS_write, nfd, BAD_PTR, 16));
        T("write-devnull-kernel-buf", S3(SYS_write, nfd, KPTR, 16));
        T("write-devzero-bad-buf", S3(SYS_write, zfd, BAD_PTR, 16));
        close(zfd);
        close(nfd);
    }
    {
        struct iovec iov[2] = {{big, 16}, {(void*)KPTR, 16}};
        TV("readv-kernel-iov-base", S3(SYS_readv, rfd, iov, 2));
        T("readv-kernel-iov", S3(SYS_readv, rfd, KPTR, 2));
        T("writev-null-iov", S3(SYS_writev, wfd, 0, 1));
        T("readv-negative-count", S3(SYS_readv, rfd, iov, -1));
        T("readv-count-1025", S3(SYS_readv, rfd, iov, 1025));
        struct iovec huge[2] = {{big, (size_t)LONG_MAX}, {big, (size_t)LONG_MAX}};
        TV("readv-overflowing-lengths", S3(SYS_readv, rfd, huge, 2));
    }
    T("fstat-null", S2(SYS_fstat, rfd, 0));
    T("fstat-kernel", S2(SYS_fstat, rfd, KPTR));
    T("stat-kernel-buf", S2(SYS_stat, "file", KPTR));
    T("stat-bad-path", S2(SYS_stat, BAD_PTR, big));
    T("newfstatat-bad-flags", S4(SYS_newfstatat, AT_FDCWD, "file", big, 0x12345678));
    T("statx-null-buf", S5(SYS_statx, AT_FDCWD, "file", 0, 0x7ff, 0));
    T("statx-bad-sync-flags", S5(SYS_statx, AT_FDCWD, "file", 0x6000, 0x7ff, big));
    T("getdents64-kernel-buf", S3(SYS_getdents64, dfd, KPTR, 4096));
    T("getdents64-tiny-buf", S3(SYS_getdents64, dfd, big, 1));
    T("getdents64-on-file", S3(SYS_getdents64, rfd, big, 4096));
    T("getcwd-null", S2(SYS_getcwd, 0, 4096));
    T("getcwd-size-1", S2(SYS_getcwd, big, 1));
    T("getcwd-kernel", S2(SYS_getcwd, KPTR, 4096));
    T("readlink-kernel-buf", S3(SYS_readlink, "link", KPTR, 64));
    TV("readlink-ok", S3(SYS_readlink, "link", big, 64));
    T("readlink-zero-size", S3(SYS_readlink, "link", big, 0));
    T("readlink-not-a-link", S3(SYS_readlink, "file", big, 64));
    T("mkdir-kernel-path", S2(SYS_mkdir, KPTR, 0755));
    T("rename-kernel-path", S2(SYS_rename, "file", KPTR));
    T("pipe2-kernel", S2(SYS_pipe2, KPTR, 0));
    T("pipe-null", S1(SYS_pipe, 0));
    T("utimensat-kernel-times", S4(SYS_utimensat, AT_FDCWD, "file", KPTR, 0));

    /* bad file descriptors */
    T("read-fd-minus-1", S3(SYS_read, -1, big, 1));
    T("read-fd-9999", S3(SYS_read, 9999, big, 1));
    T("read-fd-int-max", S3(SYS_read, INT_MAX, big, 1));
    T("read-fd-high-bits", S3(SYS_read, 0x100000000l + rfd, big, 1));
    T("write-fd-9999", S3(SYS_write, 9999, big, 1));
    T("close-minus-1", S1(SYS_close, -1));
    T("close-1000", S1(SYS_close, 1000));
    T("dup-9999", S1(SYS_dup, 9999));
    T("dup2-to-minus-1", S2(SYS_dup2, rfd, -1));
    T("dup2-from-bad", S2(SYS_dup2, 9999, 50));
    T("dup2-to-huge", S2(SYS_dup2, rfd, 1 << 30));
    TV("dup2-same", S2(SYS_dup2, rfd, rfd) == rfd);
    T("dup3-same", S3(SYS_dup3, rfd, rfd, 0));
    T("fcntl-bad-fd", S2(SYS_fcntl, 9999, F_GETFD));
    T("fcntl-bad-cmd", S2(SYS_fcntl, rfd, 9999));
    T("fcntl-dupfd-negative", S3(SYS_fcntl, rfd, F_DUPFD, -1));
    T("fcntl-dupfd-huge", S3(SYS_fcntl, rfd, F_DUPFD, 1 << 30));
    T("lseek-bad-fd", S3(SYS_lseek, 9999, 0, SEEK_SET));
    T("lseek-bad-whence", S3(SYS_lseek, rfd, 0, 99));
    T("lseek-negative", S3(SYS_lseek, rfd, -10, SEEK_SET));
    T("lseek-pipe", S3(SYS_lseek, p[0], 0, SEEK_SET));
    T("pread-pipe", S4(SYS_pread64, p[0], big, 1, 0));
    T("pread-negative-offset", S4(SYS_pread64, rfd, big, 1, -1));
    T("write-read-only-fd", S3(SYS_write, rfd, big, 1));
    T("read-write-only-fd", S3(SYS_read, wfd, big, 1));
    T("read-directory", S3(SYS_read, dfd, big, 1));
    T("fstat-bad-fd", S2(SYS_fstat, -5, big));
    T("fchdir-bad-fd", S1(SYS_fchdir, 9999));
    T("fchdir-file", S1(SYS_fchdir, rfd));
    T("getdents64-bad-fd", S3(SYS_getdents64, 9999, big, 4096));
    T("ftruncate-read-only-fd", S2(SYS_ftruncate, rfd, 0));
    T("ftruncate-bad-fd", S2(SYS_ftruncate, 9999, 0));
    T("ioctl-bad-fd", S3(SYS_ioctl, 9999, TCGETS, big));
    T("ioctl-tcgets-file", S3(SYS_ioctl, rfd, TCGETS, big));
    T("openat-bad-dirfd", S4(SYS_openat, 9999, "file", O_RDONLY, 0));
    T("openat-file-as-dirfd", S4(SYS_openat, rfd, "file", O_RDONLY, 0));
    T("fchmod-bad-fd", S2(SYS_fchmod, 9999, 0644));

    /* bad flags */
    T("pipe2-bad-flags", S2(SYS_pipe2, big, 0x12345678));
    T("dup3-bad-flags", S3(SYS_dup3, rfd, 50, 0x1234));
    T("unlinkat-bad-flags", S3(SYS_unlinkat, AT_FDCWD, "file", 0x1234));
    T("linkat-bad-flags", S5(SYS_linkat, AT_FDCWD, "file", AT_FDCWD, "file2", 0x1234));
    T("renameat2-bad-flags", S5(SYS_renameat2, AT_FDCWD, "file", AT_FDCWD, "file3", 0x1000));
    T("renameat2-noreplace-exists", S5(SYS_renameat2, AT_FDCWD, "file", AT_FDCWD, "link", 1));
    T("utimensat-bad-flags", S4(SYS_utimensat, AT_FDCWD, "file", 0, 0x1234));
    T("faccessat-bad-mode", S3(SYS_faccessat, AT_FDCWD, "file", 0x100));
    T("faccessat2-bad-flags", S4(SYS_faccessat2, AT_FDCWD, "file", F_OK, 0x12345));
    T("lseek-whence-minus-1", S3(SYS_lseek, rfd, 0, -1));
    T("fcntl-setfl-odd", S3(SYS_fcntl, p[0], F_SETFL, O_NONBLOCK | 0x40000000));
    T("umask-high-bits", S1(SYS_umask, 0xffff022) >= 0 ? 0 : -1);
    S1(SYS_umask, 022);

    /* names */
    T("open-too-long", S3(SYS_open, long_path, O_RDONLY, 0));
    T("mkdir-too-long", S2(SYS_mkdir, long_path, 0755));
    T("open-long-component", S3(SYS_open, long_name, O_RDONLY, 0));
    T("mkdir-long-component", S2(SYS_mkdir, long_name, 0755));
    T("creat-long-component", S3(SYS_open, long_name, O_CREAT | O_WRONLY, 0644));
    T("stat-too-long", S2(SYS_stat, long_path, big));
    T("chdir-too-long", S1(SYS_chdir, long_path));
    T("open-missing", S3(SYS_open, "missing", O_RDONLY, 0));
    T("open-empty", S3(SYS_open, "", O_RDONLY, 0));
    T("stat-empty", S2(SYS_stat, "", big));
    T("open-missing-dir", S3(SYS_open, "missing/file", O_RDONLY, 0));
    T("unlink-missing", S1(SYS_unlink, "missing"));
    T("rename-missing", S2(SYS_rename, "missing", "other"));
    T("chmod-missing", S2(SYS_chmod, "missing", 0644));
    T("open-through-file", S3(SYS_open, "file/x", O_RDONLY, 0));
    T("stat-through-file", S2(SYS_stat, "file/x", big));
    T("mkdir-through-file", S2(SYS_mkdir, "file/x", 0755));
    T("open-file-as-directory", S3(SYS_open, "file", O_RDONLY | O_DIRECTORY, 0));
    T("chdir-file", S1(SYS_chdir, "file"));
    T("rmdir-file", S1(SYS_rmdir, "file"));
    T("open-dir-for-writing", S3(SYS_open, "dir", O_WRONLY, 0));
    T("open-dir-rdwr", S3(SYS_open, "dir", O_RDWR, 0));
    T("unlink-dir", S1(SYS_unlink, "dir"));
    T("rename-file-over-dir", S2(SYS_rename, "file", "dir"));
    T("rename-dir-over-file", S2(SYS_rename, "dir", "file"));
    T("mkdir-exists", S2(SYS_mkdir, "dir", 0755));
    T("mkdir-exists-file", S2(SYS_mkdir, "file", 0755));
    T("open-excl-exists", S3(SYS_open, "file", O_CREAT | O_EXCL | O_WRONLY, 0644));
    T("symlink-exists", S2(SYS_symlink, "x", "file"));
    T("link-exists", S2(SYS_link, "file", "link"));
    T("link-directory", S2(SYS_link, "dir", "dir2"));
    T("rmdir-not-empty", S1(SYS_rmdir, "dir"));
    T("rmdir-dot", S1(SYS_rmdir, "."));
    T("rmdir-dotdot", S1(SYS_rmdir, "dir/.."));
    T("rename-into-itself", S2(SYS_rename, "dir", "dir/sub"));
    T("mkdir-dot", S2(SYS_mkdir, ".", 0755));
    T("truncate-negative", S2(SYS_truncate, "file", -1));
    T("truncate-dir", S2(SYS_truncate, "dir", 0));
    T("open-symlink-nofollow", S3(SYS_open, "link", O_RDONLY | O_NOFOLLOW, 0));
    T("loop-symlink", (symlink("loop", "loop"), S3(SYS_open, "loop", O_RDONLY, 0)));
    T("open-trailing-slash-file", S3(SYS_open, "file/", O_RDONLY, 0));
    T("creat-trailing-slash", S3(SYS_open, "new/", O_CREAT | O_WRONLY, 0644));

    /* pipes */
    signal(SIGPIPE, SIG_IGN);
    close(p[0]);
    T("write-pipe-no-reader", S3(SYS_write, p[1], "x", 1));
    close(p[1]);
    T("write-closed-fd", S3(SYS_write, p[1], "x", 1));

    close(rfd);
    close(wfd);
    close(dfd);
}

static void brk_case(const char* name, long cur, long want) {
    errno = 0;
    long r = S1(SYS_brk, want);
    if (r == -1) {
        printf("%s: %s\n", name, errno_name(errno));
    } else {
        printf("%s: %s\n", name, r == cur ? "unchanged" : r == want ? "MOVED THERE" : "moved");
    }
}

static void memory(void) {
    char path[] = "/tmp/sysargs-mem-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, big, 8192) != 8192) exit(1);
    int rofd = open(path, O_RDONLY);
    int wofd = open(path, O_WRONLY);
    unlink(path);
    const long rw = PROT_READ | PROT_WRITE;
    const long priv = MAP_PRIVATE | MAP_ANONYMOUS;

    T("mmap-zero-length", S6(SYS_mmap, 0, 0, rw, priv, -1, 0));
    T("mmap-huge-length", S6(SYS_mmap, 0, 1ul << 62, rw, priv, -1, 0));
    T("mmap-length-minus-1", S6(SYS_mmap, 0, -1, rw, priv, -1, 0));
    T("mmap-no-share-type", S6(SYS_mmap, 0, 4096, rw, MAP_ANONYMOUS, -1, 0));
    T("mmap-anonymous-shared-validate", S6(SYS_mmap, 0, 4096, rw, MAP_ANONYMOUS | 3, -1, 0));
    T("mmap-bad-type", S6(SYS_mmap, 0, 4096, rw, MAP_ANONYMOUS | 0xf, -1, 0));
    T("mmap-bad-fd", S6(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, 9999, 0));
    T("mmap-unaligned-offset", S6(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, 100));
    T("mmap-negative-offset", S6(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, -4096));
    T("mmap-fixed-unaligned", S6(SYS_mmap, 0x10000001, 4096, rw, priv | MAP_FIXED, -1, 0));
    T("mmap-fixed-kernel", S6(SYS_mmap, KPTR, 4096, rw, priv | MAP_FIXED, -1, 0));
    T("mmap-fixed-noncanonical", S6(SYS_mmap, NONCANON, 4096, rw, priv | MAP_FIXED, -1, 0));
    T("mmap-fixed-top", S6(SYS_mmap, 0x7ffffffff000, 0x2000, rw, priv | MAP_FIXED, -1, 0));
    T("mmap-write-only-fd", S6(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, wofd, 0));
    T("mmap-shared-write-on-read-only-fd",
      S6(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0));
    {
        /* a hint in the kernel's half is only a hint */
        errno = 0;
        long r = S6(SYS_mmap, KPTR, 4096, rw, priv, -1, 0);
        printf("mmap-kernel-hint: %s\n", r == -1                          ? errno_name(errno)
                                         : (unsigned long)r < (1ul << 47) ? "user address"
                                                                          : "KERNEL ADDRESS");
        if (r != -1) munmap((void*)r, 4096);
    }
    {
        errno = 0;
        long r = S6(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, 8192 * 4);
        printf("mmap-beyond-eof: %s\n", r == -1 ? errno_name(errno) : "ok");
        if (r != -1) munmap((void*)r, 4096);
    }
    char* base = (char*)S6(SYS_mmap, 0, 3 * 4096, rw, priv, -1, 0);
    T("munmap-unaligned", S2(SYS_munmap, base + 1, 4096));
    T("munmap-zero-length", S2(SYS_munmap, base, 0));
    T("munmap-kernel", S2(SYS_munmap, KPTR, 4096));
    T("munmap-noncanonical", S2(SYS_munmap, NONCANON, 4096));
    T("munmap-wrapping", S2(SYS_munmap, base, -4096));
    T("mprotect-unaligned", S3(SYS_mprotect, base + 1, 4096, PROT_READ));
    T("mprotect-bad-prot", S3(SYS_mprotect, base, 4096, 0x100));
    T("mprotect-kernel", S3(SYS_mprotect, KPTR, 4096, PROT_READ));
    T("mprotect-zero-length", S3(SYS_mprotect, base, 0, PROT_READ));
    T("madvise-bad-advice", S3(SYS_madvise, base, 4096, 12345));
    T("madvise-unaligned", S3(SYS_madvise, base + 1, 4096, MADV_DONTNEED));
    T("madvise-dontneed", S3(SYS_madvise, base, 4096, MADV_DONTNEED));
    T("munmap-middle", S2(SYS_munmap, base + 4096, 4096));
    T("mprotect-hole", S3(SYS_mprotect, base, 3 * 4096, PROT_READ));
    T("munmap-again", S2(SYS_munmap, base + 4096, 4096));
    T("munmap-all", S2(SYS_munmap, base, 3 * 4096));
    T("mprotect-unmapped", S3(SYS_mprotect, base, 4096, PROT_READ));
    {
        /* After MADV_DONTNEED a private anonymous page reads back as zero. */
        char* m = (char*)S6(SYS_mmap, 0, 4096, rw, priv, -1, 0);
        m[0] = 7;
        S3(SYS_madvise, m, 4096, MADV_DONTNEED);
        printf("madvise-dontneed-zeroes: %s\n", m[0] == 0 ? "yes" : "no");
        munmap(m, 4096);
    }
    /* brk never fails: a refused request returns the current break. */
    long cur = S1(SYS_brk, 0);
    brk_case("brk-beyond-user-space", cur, cur + (1l << 47));
    brk_case("brk-kernel", cur, KPTR);
    brk_case("brk-noncanonical", cur, NONCANON);
    brk_case("brk-below-start", cur, 4096);
    brk_case("brk-minus-1", cur, -1);
    printf("brk-after: %s\n", S1(SYS_brk, 0) == cur ? "unchanged" : "moved");
    {
        /* mremap growing in place, shrinking, refusing to move, moving (glibc's realloc) */
        const long len = 16 * 4096;
        char* m = (char*)S6(SYS_mmap, 0, 4 * len, rw, priv, -1, 0);
        S2(SYS_munmap, m + len, 3 * len); /* room to grow in place */
        m[0] = 42;
        errno = 0;
        long r = S5(SYS_mremap, m, len, 2 * len, 0, 0);
        printf("mremap-grow-in-place: %s\n", r == -1        ? errno_name(errno)
                                             : r == (long)m ? "ok"
                                                            : "moved");
        T("mremap-shrink", S5(SYS_mremap, m, 2 * len, len, 0, 0));
        S6(SYS_mmap, m + len, 4096, PROT_READ, priv | MAP_FIXED, -1, 0); /* a neighbour */
        T("mremap-grow-blocked", S5(SYS_mremap, m, len, 2 * len, 0, 0));
        errno = 0;
        r = S5(SYS_mremap, m, len, 4 * len, MREMAP_MAYMOVE, 0);
        printf("mremap-grow-maymove: %s\n", r == -1 ? errno_name(errno) : "ok");
        if (r != -1) {
            char* n = (char*)r;
            printf("mremap-moved-data: %s\n", n[0] == 42 && n[3 * len] == 0 ? "kept" : "LOST");
            S2(SYS_munmap, n, 4 * len);
        }
        S2(SYS_munmap, m, 2 * len);
        T("mremap-bad-flags", S5(SYS_mremap, m, len, len, 0x100, 0));
    }
    T("mremap-unaligned", S5(SYS_mremap, 1, 4096, 8192, 0, 0));
    T("msync-unaligned", S3(SYS_msync, 1, 4096, MS_SYNC));
    T("msync-bad-flags", S3(SYS_msync, 0, 4096, MS_SYNC | MS_ASYNC));
    close(fd);
    close(rofd);
    close(wofd);
}

static void process(void) {
    int status;
    T("wait4-no-child", S4(SYS_wait4, -1, &status, 0, 0));
    T("wait4-not-my-child", S4(SYS_wait4, 1, &status, 0, 0));
    T("wait4-bad-options", S4(SYS_wait4, -1, &status, 0x12345678, 0));
    T("wait4-nonexistent", S4(SYS_wait4, 999999, &status, 0, 0));
    pid_t child = fork();
    if (child == 0) _exit(3);
    T("wait4-kernel-status", S4(SYS_wait4, child, KPTR, 0, 0));
    S4(SYS_wait4, child, 0, 0, 0); /* reaped or not, no matter */
    child = fork();
    if (child == 0) _exit(5);
    T("wait4-kernel-rusage", S4(SYS_wait4, child, &status, 0, KPTR));
    S4(SYS_wait4, child, 0, 0, 0);
    child = fork();
    if (child == 0) _exit(6);
    TV("wait4-good", S4(SYS_wait4, child, &status, 0, 0) == child);
    printf("wait4-good-status: %s\n", describe_status(status));
    {
        /* WNOWAIT leaves the child waitable (Go's os/exec depends on it). */
        child = fork();
        if (child == 0) _exit(7);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        T("waitid-wnowait", S5(SYS_waitid, P_PID, child, &si, WEXITED | WNOWAIT, 0));
        printf("waitid-wnowait-info: pid %s, status %d, code %s\n",
               si.si_pid == child ? "ok" : "wrong", si.si_status,
               si.si_code == CLD_EXITED ? "CLD_EXITED" : "other");
        TV("waitid-then-wait4", S4(SYS_wait4, child, &status, 0, 0) == child);
        printf("waitid-then-wait4-status: %s\n", describe_status(status));
        child = fork();
        if (child == 0) _exit(8);
        memset(&si, 0, sizeof si);
        T("waitid-wexited", S5(SYS_waitid, P_PID, child, &si, WEXITED, 0));
        printf("waitid-wexited-info: status %d\n", si.si_status);
        T("waitid-after-reap", S5(SYS_waitid, P_PID, child, &si, WEXITED | WNOHANG, 0));
    }
    T("waitid-bad-idtype", S5(SYS_waitid, 99, 0, big, WEXITED, 0));
    T("waitid-no-options", S5(SYS_waitid, P_ALL, 0, big, 0, 0));
    T("kill-signal-65", S2(SYS_kill, getpid(), 65));
    T("kill-signal-minus-1", S2(SYS_kill, getpid(), -1));
    T("kill-nonexistent", S2(SYS_kill, 999999, SIGTERM));
    T("kill-signal-0", S2(SYS_kill, getpid(), 0));
    T("kill-int-min", S2(SYS_kill, INT_MIN, SIGTERM));
    T("tgkill-bad-tgid", S3(SYS_tgkill, 0, getpid(), 0));
    T("tgkill-bad-tid", S3(SYS_tgkill, getpid(), 999999, 0));
    T("tgkill-bad-signal", S3(SYS_tgkill, getpid(), getpid(), 99));
    T("tkill-bad-tid", S2(SYS_tkill, -1, 0));
    in_child("execve-missing", SYS_execve, (long)"/nonexistent/program", 0, 0, 0, 0);
    in_child("execve-kernel-path", SYS_execve, KPTR, 0, 0, 0, 0);
    {
        char* argv[] = {(char*)KPTR, NULL};
        in_child("execve-kernel-argv-string", SYS_execve, (long)"/bin/true", (long)argv, 0, 0, 0);
        in_child("execve-kernel-argv", SYS_execve, (long)"/bin/true", KPTR, 0, 0, 0);
        in_child("execve-kernel-envp", SYS_execve, (long)"/bin/true", 0, KPTR, 0, 0);
        char* huge[] = {(char*)BAD_PTR, NULL};
        in_child("execve-bad-argv-string", SYS_execve, (long)"/bin/true", (long)huge, 0, 0, 0);
    }
    in_child("execve-directory", SYS_execve, (long)"/", 0, 0, 0, 0);
    {
        char path[] = "/tmp/sysargs-exec-XXXXXX";
        int fd = mkstemp(path);
        if (write(fd, "garbage!garbage!garbage!garbage!", 32) != 32) exit(1);
        close(fd);
        chmod(path, 0644);
        in_child("execve-not-executable", SYS_execve, (long)path, 0, 0, 0, 0);
        chmod(path, 0755);
        in_child("execve-garbage", SYS_execve, (long)path, 0, 0, 0, 0);
        /* An ELF header with nothing behind it. */
        fd = open(path, O_WRONLY | O_TRUNC);
        unsigned char ehdr[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
        ehdr[16] = 2;   /* ET_EXEC */
        ehdr[18] = 62;  /* x86-64 */
        ehdr[20] = 1;   /* version */
        ehdr[32] = 64;  /* e_phoff */
        ehdr[52] = 64;  /* e_ehsize */
        ehdr[54] = 56;  /* e_phentsize */
        ehdr[56] = 200; /* e_phnum: far past the end of the file */
        if (write(fd, ehdr, sizeof ehdr) != sizeof ehdr) exit(1);
        close(fd);
        in_child("execve-truncated-elf", SYS_execve, (long)path, 0, 0, 0, 0);
        unlink(path);
    }
    in_child("clone-thread-without-sighand", SYS_clone, CLONE_THREAD, 0, 0, 0, 0);
    in_child("clone-sighand-without-vm", SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0);
    in_child("clone-fork", SYS_clone, SIGCHLD, 0, 0, 0, 0);
    T("setpgid-negative", S2(SYS_setpgid, 0, -1));
    T("setpgid-nonexistent", S2(SYS_setpgid, 999999, 0));
    T("getpgid-nonexistent", S1(SYS_getpgid, 999999));
    T("getsid-nonexistent", S1(SYS_getsid, 999999));
    T("prlimit-bad-resource", S4(SYS_prlimit64, 0, 999, 0, big));
    T("prlimit-kernel-old", S4(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, KPTR));
    T("prlimit-nonexistent", S4(SYS_prlimit64, 999999, RLIMIT_NOFILE, 0, big));
    {
        struct rlimit r = {10, 5}; /* soft above hard */
        T("prlimit-soft-above-hard", S4(SYS_prlimit64, 0, RLIMIT_NOFILE, &r, 0));
    }
    T("getrlimit-kernel", S2(SYS_getrlimit, RLIMIT_NOFILE, KPTR));
    T("getrlimit-bad-resource", S2(SYS_getrlimit, 999, big));
    T("sched_getaffinity-size-0", S3(SYS_sched_getaffinity, 0, 0, big));
    T("sched_getaffinity-size-7", S3(SYS_sched_getaffinity, 0, 7, big));
    T("sched_getaffinity-kernel", S3(SYS_sched_getaffinity, 0, 128, KPTR));
    T("sched_getaffinity-nonexistent", S3(SYS_sched_getaffinity, 999999, 128, big));
    T("uname-null", S1(SYS_uname, 0));
    T("uname-kernel", S1(SYS_uname, KPTR));
    T("set_robust_list-bad-len", S2(SYS_set_robust_list, big, 1));
    T("getrusage-bad-who", S2(SYS_getrusage, 99, big));
    T("getrusage-kernel", S2(SYS_getrusage, RUSAGE_SELF, KPTR));
    T("times-kernel", S1(SYS_times, KPTR) == -1 ? -1 : 0);
    T("sysinfo-kernel", S1(SYS_sysinfo, KPTR));
    T("getgroups-negative", S2(SYS_getgroups, -1, big));
    T("arch_prctl-bad-code", S2(SYS_arch_prctl, 0x9999, big));
    T("arch_prctl-get-fs-kernel", S2(SYS_arch_prctl, 0x1003, KPTR));
    T("arch_prctl-set-fs-kernel", S2(SYS_arch_prctl, 0x1002, KPTR));
    T("arch_prctl-set-fs-noncanonical", S2(SYS_arch_prctl, 0x1002, NONCANON));
    T("prctl-bad-option", S2(SYS_prctl, 0x7fffffff, 0));
    T("set_tid_address-kernel", S1(SYS_set_tid_address, KPTR) > 0 ? 0 : -1);
    T("unknown-syscall-1000", S0(1000));
    T("unknown-syscall-minus-1", S0(-1));
}

static void on_signal(int sig) {
    (void)sig;
}

struct ksigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static void signals(void) {
    struct ksigaction act = {on_signal, 0x04000000 /* SA_RESTORER */, 0, 0};
    /* a restorer that is never used: no signal is delivered in this family */
    act.restorer = (void (*)(void))(uintptr_t)on_signal;
    struct ksigaction old;
    T("rt_sigaction-sigkill", S4(SYS_rt_sigaction, SIGKILL, &act, 0, 8));
    T("rt_sigaction-sigstop", S4(SYS_rt_sigaction, SIGSTOP, &act, 0, 8));
    T("rt_sigaction-sigkill-query", S4(SYS_rt_sigaction, SIGKILL, 0, &old, 8));
    T("rt_sigaction-signal-0", S4(SYS_rt_sigaction, 0, &act, 0, 8));
    T("rt_sigaction-signal-65", S4(SYS_rt_sigaction, 65, &act, 0, 8));
    T("rt_sigaction-signal-minus-1", S4(SYS_rt_sigaction, -1, &act, 0, 8));
    T("rt_sigaction-sigsetsize-4", S4(SYS_rt_sigaction, SIGUSR1, &act, 0, 4));
    T("rt_sigaction-sigsetsize-16", S4(SYS_rt_sigaction, SIGUSR1, &act, 0, 16));
    T("rt_sigaction-kernel-act", S4(SYS_rt_sigaction, SIGUSR1, KPTR, 0, 8));
    T("rt_sigaction-kernel-old", S4(SYS_rt_sigaction, SIGUSR1, 0, KPTR, 8));
    T("rt_sigaction-bad-act", S4(SYS_rt_sigaction, SIGUSR1, BAD_PTR, 0, 8));
    T("rt_sigaction-ok", S4(SYS_rt_sigaction, SIGUSR1, &act, &old, 8));
    uint64_t set = 0;
    T("rt_sigprocmask-bad-how", S4(SYS_rt_sigprocmask, 99, &set, 0, 8));
    T("rt_sigprocmask-sigsetsize-16", S4(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 16));
    T("rt_sigprocmask-sigsetsize-4", S4(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 4));
    T("rt_sigprocmask-kernel-set", S4(SYS_rt_sigprocmask, SIG_BLOCK, KPTR, 0, 8));
    T("rt_sigprocmask-kernel-old", S4(SYS_rt_sigprocmask, SIG_BLOCK, 0, KPTR, 8));
    T("rt_sigprocmask-bad-how-null-set", S4(SYS_rt_sigprocmask, 99, 0, &set, 8));
    {
        /* SIGKILL and SIGSTOP cannot be blocked: they are silently left out. */
        uint64_t all = ~0ull, now = 0;
        S4(SYS_rt_sigprocmask, SIG_SETMASK, &all, 0, 8);
        S4(SYS_rt_sigprocmask, SIG_SETMASK, 0, &now, 8);
        printf("blocked-sigkill: %s\n", now & (1ull << (SIGKILL - 1)) ? "yes" : "no");
        printf("blocked-sigstop: %s\n", now & (1ull << (SIGSTOP - 1)) ? "yes" : "no");
        uint64_t none = 0;
        S4(SYS_rt_sigprocmask, SIG_SETMASK, &none, 0, 8);
    }
    T("rt_sigpending-sigsetsize-16", S2(SYS_rt_sigpending, &set, 16));
    T("rt_sigpending-kernel", S2(SYS_rt_sigpending, KPTR, 8));
    T("rt_sigsuspend-sigsetsize-4", S2(SYS_rt_sigsuspend, &set, 4));
    T("rt_sigsuspend-kernel", S2(SYS_rt_sigsuspend, KPTR, 8));
    {
        stack_t ss = {0};
        ss.ss_sp = big;
        ss.ss_size = 100;
        T("sigaltstack-too-small", S2(SYS_sigaltstack, &ss, 0));
        ss.ss_size = sizeof big;
        ss.ss_flags = 0x1234;
        T("sigaltstack-bad-flags", S2(SYS_sigaltstack, &ss, 0));
        T("sigaltstack-kernel", S2(SYS_sigaltstack, KPTR, 0));
        T("sigaltstack-kernel-old", S2(SYS_sigaltstack, 0, KPTR));
        ss.ss_flags = SS_DISABLE;
        T("sigaltstack-disable", S2(SYS_sigaltstack, &ss, 0));
    }
    /* A signal that arrives: the handler runs and the call reports EINTR. */
    {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGALRM, &sa, NULL);
        fflush(stdout);
        pid_t parent = getpid();
        pid_t c = fork();
        if (c == 0) {
            /* again and again: the first signal may come before the sleep starts */
            for (;;) {
                struct timespec d = {0, 20000000};
                nanosleep(&d, NULL);
                kill(parent, SIGALRM);
            }
        }
        struct timespec ts = {5, 0};
        T("nanosleep-interrupted", S2(SYS_nanosleep, &ts, &ts));
        printf("nanosleep-remaining: %s\n",
               ts.tv_sec <= 5 && ts.tv_sec >= 1 ? "less than 5 s" : "wrong");
        kill(c, SIGKILL);
        waitpid(c, NULL, 0);
    }
}

static void time_family(void) {
    struct timespec ts;
    struct timespec bad_ns = {0, 1000000000};
    struct timespec neg_ns = {0, -1};
    struct timespec neg_s = {-1, 0};
    T("nanosleep-nsec-1e9", S2(SYS_nanosleep, &bad_ns, 0));
    T("nanosleep-nsec-negative", S2(SYS_nanosleep, &neg_ns, 0));
    T("nanosleep-sec-negative", S2(SYS_nanosleep, &neg_s, 0));
    T("nanosleep-null", S2(SYS_nanosleep, 0, 0));
    T("nanosleep-kernel", S2(SYS_nanosleep, KPTR, 0));
    {
        struct timespec tiny = {0, 1000};
        T("nanosleep-kernel-rem-uninterrupted", S2(SYS_nanosleep, &tiny, KPTR));
    }
    T("clock_gettime-bad-clock", S2(SYS_clock_gettime, 999, &ts));
    T("clock_gettime-negative-clock", S2(SYS_clock_gettime, -100, &ts));
    T("clock_gettime-null", S2(SYS_clock_gettime, CLOCK_MONOTONIC, 0));
    T("clock_gettime-kernel", S2(SYS_clock_gettime, CLOCK_REALTIME, KPTR));
    T("clock_gettime-monotonic", S2(SYS_clock_gettime, CLOCK_MONOTONIC, &ts));
    T("clock_gettime-boottime", S2(SYS_clock_gettime, CLOCK_BOOTTIME, &ts));
    T("clock_gettime-process-cputime", S2(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &ts));
    T("clock_getres-bad-clock", S2(SYS_clock_getres, 999, &ts));
    T("clock_getres-null", S2(SYS_clock_getres, CLOCK_MONOTONIC, 0));
    T("clock_getres-kernel", S2(SYS_clock_getres, CLOCK_MONOTONIC, KPTR));
    T("clock_nanosleep-bad-clock", S4(SYS_clock_nanosleep, 999, 0, &ts, 0));
    T("clock_nanosleep-bad-nsec", S4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad_ns, 0));
    T("clock_nanosleep-kernel", S4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, KPTR, 0));
    {
        struct timespec past = {0, 1};
        T("clock_nanosleep-abs-past",
          S4(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, 0));
    }
    T("gettimeofday-kernel", S2(SYS_gettimeofday, KPTR, 0));
    T("gettimeofday-null", S2(SYS_gettimeofday, 0, 0));
    T("time-kernel", S1(SYS_time, KPTR) == -1 ? -1 : 0);
    {
        /* The monotonic clock moves forward across a sleep of 10 ms by at least 10 ms. */
        struct timespec a, b, d = {0, 10000000};
        S2(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
        S2(SYS_nanosleep, &d, 0);
        S2(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
        long ns = (b.tv_sec - a.tv_sec) * 1000000000l + (b.tv_nsec - a.tv_nsec);
        printf("nanosleep-10ms: %s\n",
               ns >= 10000000 && ns < 2000000000 ? "10 ms or more" : "wrong");
    }
}

static void futex_family(void) {
    static uint32_t word __attribute__((aligned(8)));
    word = 5;
    char* unaligned = (char*)&word + 1;
    struct timespec one_ms = {0, 1000000};
    struct timespec bad = {0, 2000000000};
    T("futex-wait-unaligned", S6(SYS_futex, unaligned, FUTEX_WAIT, 5, 0, 0, 0));
    T("futex-wake-unaligned", S6(SYS_futex, unaligned, FUTEX_WAKE, 1, 0, 0, 0));
    T("futex-wait-null", S6(SYS_futex, 0, FUTEX_WAIT, 5, 0, 0, 0));
    T("futex-wait-kernel", S6(SYS_futex, KPTR, FUTEX_WAIT, 5, 0, 0, 0));
    T("futex-wait-noncanonical", S6(SYS_futex, NONCANON, FUTEX_WAIT, 5, 0, 0, 0));
    T("futex-wake-kernel", S6(SYS_futex, KPTR, FUTEX_WAKE, 1, 0, 0, 0));
    T("futex-bad-op", S6(SYS_futex, &word, 99, 0, 0, 0, 0));
    T("futex-bad-op-private", S6(SYS_futex, &word, 99 | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0));
    T("futex-wait-value-differs", S6(SYS_futex, &word, FUTEX_WAIT, 6, 0, 0, 0));
    T("futex-wait-timeout", S6(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 5, &one_ms, 0, 0));
    T("futex-wait-bad-timeout", S6(SYS_futex, &word, FUTEX_WAIT, 5, &bad, 0, 0));
    T("futex-wait-kernel-timeout", S6(SYS_futex, &word, FUTEX_WAIT, 5, KPTR, 0, 0));
    TV("futex-wake-nobody", S6(SYS_futex, &word, FUTEX_WAKE, 1, 0, 0, 0));
    T("futex-wait-bitset-zero", S6(SYS_futex, &word, FUTEX_WAIT_BITSET, 5, 0, 0, 0));
    T("futex-wake-bitset-zero", S6(SYS_futex, &word, FUTEX_WAKE_BITSET, 1, 0, 0, 0));
    T("futex-wake-clock-realtime",
      S6(SYS_futex, &word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, 0, 0, 0));
    T("futex-cmp-requeue-differs", S6(SYS_futex, &word, FUTEX_CMP_REQUEUE, 1, 1, big, 6));
    T("futex-cmp-requeue-unaligned-target",
      S6(SYS_futex, &word, FUTEX_CMP_REQUEUE, 1, 1, unaligned, 5));
    T("futex-requeue-negative", S6(SYS_futex, &word, FUTEX_CMP_REQUEUE, -1, 1, big, 5));
    {
        /* A wait with an absolute deadline already past. */
        struct timespec past = {0, 1};
        T("futex-wait-bitset-past", S6(SYS_futex, &word, FUTEX_WAIT_BITSET, 5, &past, 0, ~0u));
    }
}

static void poll_family(void) {
    int p[2];
    if (pipe(p) != 0) exit(1);
    if (write(p[1], "x", 1) != 1) exit(1);
    {
        struct pollfd fds[3] = {{-1, POLLIN, 0}, {999, POLLIN, 0}, {p[0], POLLIN, 0}};
        errno = 0;
        long r = S3(SYS_poll, fds, 3, 0);
        printf("poll-mixed: %ld, revents %x %x %x\n", r, fds[0].revents, fds[1].revents,
               fds[2].revents);
    }
    T("poll-kernel-fds", S3(SYS_poll, KPTR, 1, 0));
    T("poll-null-fds-zero-count", S3(SYS_poll, 0, 0, 0));
    T("poll-huge-nfds", S3(SYS_poll, big, 1 << 30, 0));
    {
        struct pollfd fd = {p[0], POLLIN, 0};
        struct timespec bad = {0, 1000000000};
        T("ppoll-bad-timeout", S5(SYS_ppoll, &fd, 1, &bad, 0, 8));
        struct timespec zero = {0, 0};
        uint64_t mask = 0;
        T("ppoll-bad-sigsetsize", S5(SYS_ppoll, &fd, 1, &zero, &mask, 4));
        T("ppoll-kernel-timeout", S5(SYS_ppoll, &fd, 1, KPTR, 0, 8));
    }
    {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(50, &r); /* below 64: Linux ignores bits beyond its fd table */
        struct timeval zero = {0, 0};
        T("select-closed-fd", S5(SYS_select, 51, &r, 0, 0, &zero));
        T("select-negative-nfds", S5(SYS_select, -1, 0, 0, 0, &zero));
        struct timeval neg = {0, -1};
        T("select-negative-usec", S5(SYS_select, 0, 0, 0, 0, &neg));
        struct timeval neg_s = {-1, 0};
        T("select-negative-sec", S5(SYS_select, 0, 0, 0, 0, &neg_s));
        T("select-kernel-set", S5(SYS_select, 1, KPTR, 0, 0, &zero));
        T("select-kernel-timeout", S5(SYS_select, 0, 0, 0, 0, KPTR));
        FD_ZERO(&r);
        FD_SET(p[0], &r);
        TV("select-ready", S5(SYS_select, p[0] + 1, &r, 0, 0, &zero));
    }
    {
        T("epoll_create1-bad-flags", S1(SYS_epoll_create1, 0x1234));
        T("epoll_create-zero", S1(SYS_epoll_create, 0));
        T("epoll_create-negative", S1(SYS_epoll_create, -1));
        int ep = (int)S1(SYS_epoll_create1, EPOLL_CLOEXEC);
        struct epoll_event ev = {EPOLLIN, {0}};
        int file = open("/proc/self/exe", O_RDONLY);
        T("epoll_ctl-bad-epfd", S4(SYS_epoll_ctl, 9999, EPOLL_CTL_ADD, p[0], &ev));
        T("epoll_ctl-bad-fd", S4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, 9999, &ev));
        T("epoll_ctl-self", S4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, ep, &ev));
        T("epoll_ctl-bad-op", S4(SYS_epoll_ctl, ep, 99, p[0], &ev));
        T("epoll_ctl-not-epoll", S4(SYS_epoll_ctl, p[0], EPOLL_CTL_ADD, p[1], &ev));
        T("epoll_ctl-regular-file", S4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, file, &ev));
        T("epoll_ctl-kernel-event", S4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], KPTR));
        T("epoll_ctl-del-unregistered", S4(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], &ev));
        T("epoll_ctl-mod-unregistered", S4(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, p[0], &ev));
        T("epoll_ctl-add", S4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev));
        T("epoll_ctl-add-twice", S4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev));
        struct epoll_event out[4];
        T("epoll_wait-zero-max", S4(SYS_epoll_wait, ep, out, 0, 0));
        T("epoll_wait-negative-max", S4(SYS_epoll_wait, ep, out, -1, 0));
        T("epoll_wait-not-epoll", S4(SYS_epoll_wait, p[0], out, 4, 0));
        T("epoll_wait-bad-fd", S4(SYS_epoll_wait, 9999, out, 4, 0));
        T("epoll_wait-kernel-events", S4(SYS_epoll_wait, ep, KPTR, 4, 0));
        TV("epoll_wait-ready", S4(SYS_epoll_wait, ep, out, 4, 0));
        T("epoll_pwait-bad-sigsetsize", S6(SYS_epoll_pwait, ep, out, 4, 0, big, 4));
        close(ep);
        close(file);
    }
    {
        T("eventfd2-bad-flags", S2(SYS_eventfd2, 0, 0x1234));
        int efd = (int)S2(SYS_eventfd2, 0, 0);
        uint64_t v = ~0ull;
        T("eventfd-write-max", S3(SYS_write, efd, &v, 8));
        T("eventfd-write-short", S3(SYS_write, efd, &v, 4));
        T("eventfd-read-short", S3(SYS_read, efd, &v, 4));
        T("eventfd-write-kernel", S3(SYS_write, efd, KPTR, 8));
        v = 3;
        TV("eventfd-write-3", S3(SYS_write, efd, &v, 8));
        T("eventfd-read-kernel", S3(SYS_read, efd, KPTR, 8));
        v = 0;
        TV("eventfd-read", S3(SYS_read, efd, &v, 8));
        printf("eventfd-value: %lu\n", (unsigned long)v);
        close(efd);
    }
    close(p[0]);
    close(p[1]);
}

static void random_family(void) {
    static unsigned char buf[1 << 16];
    T("getrandom-bad-flags", S3(SYS_getrandom, buf, 16, 0x1234));
    T("getrandom-null", S3(SYS_getrandom, 0, 16, 0));
    T("getrandom-kernel", S3(SYS_getrandom, KPTR, 16, 0));
    TV("getrandom-zero", S3(SYS_getrandom, buf, 0, 0));
    TV("getrandom-16", S3(SYS_getrandom, buf, 16, 0));
    TV("getrandom-nonblock", S3(SYS_getrandom, buf, 16, 1));
    TV("getrandom-64k", S3(SYS_getrandom, buf, sizeof buf, 0));
    {
        char* edge = edge_buffer();
        errno = 0;
        long r = S3(SYS_getrandom, edge + 4096 - 10, 100, 0);
        printf("getrandom-into-edge: %s\n",
               r == 10 || (r == -1 && errno == EFAULT) ? "short or EFAULT" : "wrong");
        munmap(edge, 4096);
    }
    int zero = 0;
    for (size_t i = 0; i + 8 <= sizeof buf; i += 8) {
        uint64_t w;
        memcpy(&w, buf + i, 8);
        zero += w == 0;
    }
    printf("getrandom-looks-random: %s\n", zero < 2 ? "yes" : "no");
    int fd = open("/dev/urandom", O_RDONLY);
    T("urandom-read", read(fd, buf, 32) == 32 ? 0 : -1);
    T("urandom-read-kernel", S3(SYS_read, fd, KPTR, 32));
    close(fd);
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char* family = argc > 1 ? argv[1] : "all";
    const char* scratch = argc > 2 ? argv[2] : "/tmp";
    int all = strcmp(family, "all") == 0;
    int known = all;
    if (all || strcmp(family, "memory") == 0) known = 1, memory();
    if (all || strcmp(family, "process") == 0) known = 1, process();
    if (all || strcmp(family, "signals") == 0) known = 1, signals();
    if (all || strcmp(family, "time") == 0) known = 1, time_family();
    if (all || strcmp(family, "futex") == 0) known = 1, futex_family();
    if (all || strcmp(family, "poll") == 0) known = 1, poll_family();
    if (all || strcmp(family, "random") == 0) known = 1, random_family();
    if (all || strcmp(family, "files") == 0) known = 1, files(scratch);
    if (!known) {
        printf("unknown family %s\n", family);
        return 2;
    }
    printf("%s: done\n", family);
    return 0;
}
