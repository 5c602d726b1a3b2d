/* Shared by the guest test programs: errno and signal names that do not depend on the C
 * library (musl and glibc spell strerror differently), and how a child ended. */
#ifndef DOMUS_GUEST_TEST_COMMON_H
#define DOMUS_GUEST_TEST_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* An address in the guest kernel's (and Linux's) half of the address space. */
#define KERNEL_ADDR 0xffffffff80100000ull

static inline const char* errno_name(int e) {
    switch (e) {
        case 0:
            return "ok";
        case EPERM:
            return "EPERM";
        case ENOENT:
            return "ENOENT";
        case ESRCH:
            return "ESRCH";
        case EINTR:
            return "EINTR";
        case EIO:
            return "EIO";
        case ENXIO:
            return "ENXIO";
        case E2BIG:
            return "E2BIG";
        case ENOEXEC:
            return "ENOEXEC";
        case EBADF:
            return "EBADF";
        case ECHILD:
            return "ECHILD";
        case EAGAIN:
            return "EAGAIN";
        case ENOMEM:
            return "ENOMEM";
        case EACCES:
            return "EACCES";
        case EFAULT:
            return "EFAULT";
        case EBUSY:
            return "EBUSY";
        case EEXIST:
            return "EEXIST";
        case EXDEV:
            return "EXDEV";
        case ENODEV:
            return "ENODEV";
        case ENOTDIR:
            return "ENOTDIR";
        case EISDIR:
            return "EISDIR";
        case EINVAL:
            return "EINVAL";
        case ENFILE:
            return "ENFILE";
        case EMFILE:
            return "EMFILE";
        case ENOTTY:
            return "ENOTTY";
        case EFBIG:
            return "EFBIG";
        case ENOSPC:
            return "ENOSPC";
        case ESPIPE:
            return "ESPIPE";
        case EROFS:
            return "EROFS";
        case EMLINK:
            return "EMLINK";
        case EPIPE:
            return "EPIPE";
        case EDOM:
            return "EDOM";
        case ERANGE:
            return "ERANGE";
        case EDEADLK:
            return "EDEADLK";
        case ENAMETOOLONG:
            return "ENAMETOOLONG";
        case ENOSYS:
            return "ENOSYS";
        case ENOTEMPTY:
            return "ENOTEMPTY";
        case ELOOP:
            return "ELOOP";
        case EOVERFLOW:
            return "EOVERFLOW";
        case ETIMEDOUT:
            return "ETIMEDOUT";
        case EOPNOTSUPP:
            return "EOPNOTSUPP";
        case ENOTSOCK:
            return "ENOTSOCK";
        case ETXTBSY:
            return "ETXTBSY";
        default: {
            static char buf[32];
            snprintf(buf, sizeof buf, "errno %d", e);
            return buf;
        }
    }
}

static inline const char* signal_name(int s) {
    switch (s) {
        case SIGHUP:
            return "SIGHUP";
        case SIGINT:
            return "SIGINT";
        case SIGQUIT:
            return "SIGQUIT";
        case SIGILL:
            return "SIGILL";
        case SIGTRAP:
            return "SIGTRAP";
        case SIGABRT:
            return "SIGABRT";
        case SIGBUS:
            return "SIGBUS";
        case SIGFPE:
            return "SIGFPE";
        case SIGKILL:
            return "SIGKILL";
        case SIGUSR1:
            return "SIGUSR1";
        case SIGSEGV:
            return "SIGSEGV";
        case SIGUSR2:
            return "SIGUSR2";
        case SIGPIPE:
            return "SIGPIPE";
        case SIGALRM:
            return "SIGALRM";
        case SIGTERM:
            return "SIGTERM";
        case SIGCHLD:
            return "SIGCHLD";
        case SIGSYS:
            return "SIGSYS";
        default: {
            static char buf[32];
            snprintf(buf, sizeof buf, "signal %d", s);
            return buf;
        }
    }
}

/* How a child ended: "exit N" or the signal's name. The core-dump flag is left out (the
 * no-core-flag case of faults.c checks it on its own). */
static inline const char* describe_status(int status) {
    static char buf[64];
    if (WIFEXITED(status)) {
        snprintf(buf, sizeof buf, "exit %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        snprintf(buf, sizeof buf, "%s", signal_name(WTERMSIG(status)));
    } else {
        snprintf(buf, sizeof buf, "status 0x%x", status);
    }
    return buf;
}

#endif
