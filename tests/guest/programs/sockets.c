/* AF_UNIX sockets as programs use them: socketpair, names in the file system and in the
 * abstract namespace, fork and megabytes both ways, shutdown/EOF/EPIPE/SIGPIPE, non-blocking
 * sockets with poll and epoll, SCM_RIGHTS and SCM_CREDENTIALS, SO_PEERCRED, datagrams and
 * seqpackets, options, sendfile, and the errors programs meet. Every line is the same on Linux
 * and in a Domus guest (no pids, inode numbers or sizes that differ by design).
 *
 *   sockets SCRATCH-DIR     the checks
 *   sockets serve PATH      an echo server (upper case) on PATH until killed
 *   sockets send PATH TEXT  sends TEXT to such a server and prints the reply */
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.h"

static const char* dir;
/* An unmapped user address (hidden from the compiler's checks). */
static void* volatile bad_ptr = (void*)8;
static char abstract_base[64];

static const char* ename(int e) {
    switch (e) {
        case ECONNREFUSED:
            return "ECONNREFUSED";
        case EADDRINUSE:
            return "EADDRINUSE";
        case EAFNOSUPPORT:
            return "EAFNOSUPPORT";
        case EPROTONOSUPPORT:
            return "EPROTONOSUPPORT";
        case ESOCKTNOSUPPORT:
            return "ESOCKTNOSUPPORT";
        case ENOPROTOOPT:
            return "ENOPROTOOPT";
        case ENOTCONN:
            return "ENOTCONN";
        case EISCONN:
            return "EISCONN";
        case EPROTOTYPE:
            return "EPROTOTYPE";
        case EMSGSIZE:
            return "EMSGSIZE";
        case ECONNRESET:
            return "ECONNRESET";
        default:
            return errno_name(e);
    }
}

/* A call's result and errno, in that order: "label: result ok|ERRNO". */
#define SHOW(label, expr)                                                        \
    do {                                                                         \
        errno = 0;                                                               \
        const long show_r = (long)(expr);                                        \
        printf("%s: %ld %s\n", label, show_r, show_r < 0 ? ename(errno) : "ok"); \
    } while (0)

/* poll(2) once, then what it found. */
#define POLL_SHOW(label, pfd)                                         \
    do {                                                              \
        const int poll_n = poll(&(pfd), 1, 0);                        \
        printf("%s: %d revents %#x\n", label, poll_n, (pfd).revents); \
    } while (0)

/* The outcome of a call: "ok" or the errno's name. */
static const char* res(long r) {
    return r < 0 ? ename(errno) : "ok";
}

static void path_addr(struct sockaddr_un* a, socklen_t* len, const char* name) {
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

static void abstract_addr(struct sockaddr_un* a, socklen_t* len, const char* name) {
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    const int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s-%s", abstract_base, name);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static uint32_t pattern(uint64_t i, uint32_t seed) {
    uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull ^ seed;
    x ^= x >> 29;
    return (uint32_t)(x * 0xbf58476d1ce4e5b9ull >> 32);
}

/* Sends `total` bytes of the pattern; returns an FNV-1a hash of them. */
static uint64_t send_pattern(int fd, size_t total, uint32_t seed, size_t chunk) {
    unsigned char* buf = malloc(chunk);
    uint64_t h = 1469598103934665603ull;
    size_t done = 0;
    while (done < total) {
        size_t n = total - done < chunk ? total - done : chunk;
        for (size_t i = 0; i < n; ++i) buf[i] = (unsigned char)pattern(done + i, seed);
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(fd, buf + off, n - off);
            if (w <= 0) {
                free(buf);
                return 0;
            }
            off += (size_t)w;
        }
        for (size_t i = 0; i < n; ++i) h = (h ^ buf[i]) * 1099511628211ull;
        done += n;
    }
    free(buf);
    return h;
}

/* Reads to end of file (or `total` bytes); returns the hash and the count in *got. */
static uint64_t recv_hash(int fd, size_t total, size_t* got) {
    unsigned char buf[7919];
    uint64_t h = 1469598103934665603ull;
    *got = 0;
    while (*got < total) {
        size_t want = total - *got < sizeof(buf) ? total - *got : sizeof(buf);
        ssize_t r = read(fd, buf, want);
        if (r <= 0) break;
        for (ssize_t i = 0; i < r; ++i) h = (h ^ buf[i]) * 1099511628211ull;
        *got += (size_t)r;
    }
    return h;
}

static void basics(void) {
    int sv[2];
    printf("socketpair: %s\n", res(socketpair(AF_UNIX, SOCK_STREAM, 0, sv)));
    char buf[32] = {0};
    printf("write-a: %zd\n", write(sv[0], "hello", 5));
    printf("read-b: %zd %s\n", read(sv[1], buf, sizeof(buf)), buf);
    printf("send-b: %zd\n", send(sv[1], "world!", 6, 0));
    memset(buf, 0, sizeof(buf));
    printf("recv-a: %zd %s\n", recv(sv[0], buf, sizeof(buf), 0), buf);
    struct stat st;
    fstat(sv[0], &st);
    printf("fstat-sock: %d\n", S_ISSOCK(st.st_mode));
    int v = -1;
    socklen_t l = sizeof(v);
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l);
    printf("so-type: %d len %u\n", v, l);
    getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &l);
    printf("so-domain: %d\n", v);
    getsockopt(sv[0], SOL_SOCKET, SO_PROTOCOL, &v, &l);
    printf("so-protocol: %d\n", v);
    getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &l);
    printf("so-acceptconn: %d\n", v);
    getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &l);
    printf("so-error: %d\n", v);
    v = 1;
    printf("so-reuseaddr-set: %s\n",
           res(setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof v)));
    v = 0;
    l = sizeof(v);
    getsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, &l);
    printf("so-reuseaddr: %d\n", v);
    v = 1;
    printf("so-keepalive-set: %s\n",
           res(setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v)));
    printf("so-broadcast-set: %s\n",
           res(setsockopt(sv[0], SOL_SOCKET, SO_BROADCAST, &v, sizeof v)));
    v = 10000;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    l = sizeof(v);
    getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l);
    printf("so-sndbuf-doubled: %d\n", v);
    v = 1;
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &l);
    printf("so-rcvbuf-min: %d\n", v);
    struct linger lg = {1, 5};
    printf("so-linger-set: %s\n", res(setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg)));
    memset(&lg, 0, sizeof lg);
    l = sizeof(lg);
    getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, &l);
    printf("so-linger: %d %d len %u\n", lg.l_onoff, lg.l_linger, l);
    printf("so-unknown-get: %s\n", res(getsockopt(sv[0], SOL_SOCKET, 9999, &v, &l)));
    printf("so-unknown-set: %s\n", res(setsockopt(sv[0], SOL_SOCKET, 9999, &v, sizeof v)));
    printf("so-short-set: %s\n", res(setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &v, 2)));
    l = 2;
    v = 0;
    printf("so-short-get: %s len %u\n", res(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l)), l);
    struct ucred cr;
    l = sizeof(cr);
    getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &l);
    printf("peercred-pair: pid-is-me %d uid-is-me %d gid-is-me %d len %u\n", cr.pid == getpid(),
           cr.uid == getuid(), cr.gid == getgid(), l);
    /* FIONREAD, MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT. */
    send(sv[0], "abcdef", 6, 0);
    int avail = -1;
    ioctl(sv[1], FIONREAD, &avail);
    printf("fionread: %d\n", avail);
    memset(buf, 0, sizeof(buf));
    printf("peek: %zd %s\n", recv(sv[1], buf, 3, MSG_PEEK), buf);
    memset(buf, 0, sizeof(buf));
    printf("after-peek: %zd %s\n", recv(sv[1], buf, 6, 0), buf);
    SHOW("dontwait", recv(sv[1], buf, 10, MSG_DONTWAIT));
    pid_t child = fork();
    if (child == 0) {
        usleep(50000);
        send(sv[0], "123", 3, 0);
        usleep(50000);
        send(sv[0], "4567", 4, 0);
        _exit(0);
    }
    memset(buf, 0, sizeof(buf));
    printf("waitall: %zd %s\n", recv(sv[1], buf, 7, MSG_WAITALL), buf);
    int status;
    waitpid(child, &status, 0);
    close(sv[0]);
    close(sv[1]);
}

static void creation_errors(void) {
    printf("socket-bad-type: %s\n", res(socket(AF_UNIX, 99, 0)));
    printf("socket-rdm: %s\n", res(socket(AF_UNIX, SOCK_RDM, 0)));
    printf("socket-bad-proto: %s\n", res(socket(AF_UNIX, SOCK_STREAM, 5)));
    printf("socket-bad-family: %s\n", res(socket(200, SOCK_STREAM, 0)));
    printf("socket-bad-flags: %s\n", res(socket(AF_UNIX, SOCK_STREAM | 0x100, 0)));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    printf("socket-flags: nonblock %d cloexec %d\n", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0,
           (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    close(fd);
    int sv[2];
    printf("socketpair-efault: %s\n", res(socketpair(AF_UNIX, SOCK_STREAM, 0, (int*)bad_ptr)));
    printf("socketpair-bad-family: %s\n", res(socketpair(200, SOCK_STREAM, 0, sv)));
}

static void path_server(void) {
    struct sockaddr_un a;
    socklen_t alen;
    path_addr(&a, &alen, "srv.sock");
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind-path: %s\n", res(bind(srv, (struct sockaddr*)&a, alen)));
    struct stat st;
    const char* sr = res(stat(a.sun_path, &st));
    printf("bound-node: %s sock %d\n", sr, S_ISSOCK(st.st_mode));
    int again = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind-in-use: %s\n", res(bind(again, (struct sockaddr*)&a, alen)));
    printf("bind-twice: %s\n", res(bind(srv, (struct sockaddr*)&a, alen)));
    printf("connect-not-listening: %s\n", res(connect(again, (struct sockaddr*)&a, alen)));
    printf("listen: %s\n", res(listen(srv, 4)));
    int v = 0;
    socklen_t l = sizeof v;
    getsockopt(srv, SOL_SOCKET, SO_ACCEPTCONN, &v, &l);
    printf("acceptconn: %d\n", v);
    struct sockaddr_un got;
    socklen_t glen = sizeof(got);
    getsockname(srv, (struct sockaddr*)&got, &glen);
    printf("getsockname-path: len-ok %d same %d\n", glen == alen,
           strcmp(got.sun_path, a.sun_path) == 0);

    const size_t up = 4u << 20, down = 1u << 20;
    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr*)&a, alen) < 0) _exit(10);
        uint64_t h = send_pattern(c, up, 7, 65536 + 123);
        if (shutdown(c, SHUT_WR) < 0) _exit(11);
        size_t n;
        uint64_t back = recv_hash(c, ~(size_t)0, &n);
        /* The parent compares: send what we saw back as 16 bytes on a second connection. */
        int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c2, (struct sockaddr*)&a, alen) < 0) _exit(12);
        uint64_t report[3] = {h, back, n};
        if (write(c2, report, sizeof report) != sizeof report) _exit(13);
        close(c2);
        close(c);
        _exit(0);
    }
    struct sockaddr_un peer;
    socklen_t plen = sizeof(peer);
    int s = accept(srv, (struct sockaddr*)&peer, &plen);
    printf("accept: %s peer-len %u family %d\n", res(s), plen, peer.sun_family);
    struct ucred cr;
    l = sizeof(cr);
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &l);
    printf("peercred-accept: pid-is-child %d uid-is-me %d\n", cr.pid == child, cr.uid == getuid());
    glen = sizeof(got);
    getsockname(s, (struct sockaddr*)&got, &glen);
    printf("accepted-sockname-is-listener: %d\n", strcmp(got.sun_path, a.sun_path) == 0);
    size_t n;
    uint64_t h = recv_hash(s, ~(size_t)0, &n);
    printf("upload: %zu bytes hash %016llx\n", n, (unsigned long long)h);
    uint64_t sent = send_pattern(s, down, 11, 4093);
    printf("download-sent: hash %016llx\n", (unsigned long long)sent);
    close(s);
    int s2 = accept(srv, NULL, NULL);
    uint64_t report[3] = {0, 0, 0};
    ssize_t rr = recv(s2, report, sizeof report, MSG_WAITALL);
    printf("child-report: %zd upload-match %d download-match %d download-bytes %llu\n", rr,
           report[0] == h, report[1] == sent, (unsigned long long)report[2]);
    close(s2);
    int status;
    waitpid(child, &status, 0);
    printf("child: %s\n", describe_status(status));

    /* Non-blocking accept, unlink removes the name, connect to a missing name or a file. */
    fcntl(srv, F_SETFL, O_NONBLOCK);
    printf("accept-nonblock-empty: %s\n", res(accept(srv, NULL, NULL)));
    printf("unlink: %s\n", res(unlink(a.sun_path)));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect-after-unlink: %s\n", res(connect(c, (struct sockaddr*)&a, alen)));
    struct sockaddr_un f;
    socklen_t flen;
    path_addr(&f, &flen, "plain-file");
    close(open(f.sun_path, O_CREAT | O_WRONLY, 0644));
    printf("connect-regular-file: %s\n", res(connect(c, (struct sockaddr*)&f, flen)));
    printf("bind-over-file: %s\n", res(bind(c, (struct sockaddr*)&f, flen)));
    path_addr(&f, &flen, "no-such-dir/x.sock");
    printf("bind-missing-dir: %s\n", res(bind(c, (struct sockaddr*)&f, flen)));
    close(c);
    close(again);
    close(srv);
}

static void abstract_names(void) {
    struct sockaddr_un a;
    socklen_t alen;
    abstract_addr(&a, &alen, "one");
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind-abstract: %s\n", res(bind(srv, (struct sockaddr*)&a, alen)));
    int other = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind-abstract-in-use: %s\n", res(bind(other, (struct sockaddr*)&a, alen)));
    listen(srv, 1);
    struct sockaddr_un got;
    socklen_t glen = sizeof(got);
    getsockname(srv, (struct sockaddr*)&got, &glen);
    printf("abstract-sockname: len-ok %d nul-first %d same %d\n", glen == alen,
           got.sun_path[0] == 0, memcmp(got.sun_path, a.sun_path, alen - 2) == 0);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect-abstract: %s\n", res(connect(c, (struct sockaddr*)&a, alen)));
    printf("connect-again: %s\n", res(connect(c, (struct sockaddr*)&a, alen)));
    glen = sizeof(got);
    getpeername(c, (struct sockaddr*)&got, &glen);
    printf("getpeername-abstract: len-ok %d\n", glen == alen);
    glen = sizeof(got);
    getsockname(c, (struct sockaddr*)&got, &glen);
    printf("getsockname-unbound: len %u\n", glen);
    int s = accept(srv, NULL, NULL);
    glen = sizeof(got);
    getpeername(s, (struct sockaddr*)&got, &glen);
    printf("getpeername-unbound-peer: len %u\n", glen);
    close(s);
    close(c);
    /* Autobind: bind with only the family gives a 5-hex-digit abstract name. */
    int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    printf("autobind: %s\n", res(bind(ab, (struct sockaddr*)&fam, sizeof(sa_family_t))));
    glen = sizeof(got);
    getsockname(ab, (struct sockaddr*)&got, &glen);
    printf("autobind-name: len %u nul-first %d\n", glen, got.sun_path[0] == 0);
    close(ab);
    /* Backlog: one more than listen's number waits; then a non-blocking connect is EAGAIN. */
    struct sockaddr_un b;
    socklen_t blen;
    abstract_addr(&b, &blen, "backlog");
    int lst = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(lst, (struct sockaddr*)&b, blen);
    listen(lst, 1);
    int cs[3];
    for (int i = 0; i < 3; ++i) {
        cs[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        printf("backlog-connect-%d: %s\n", i, res(connect(cs[i], (struct sockaddr*)&b, blen)));
    }
    int acc = accept(lst, NULL, NULL);
    printf("backlog-accept: %s\n", res(acc));
    printf("backlog-connect-after-accept: %s\n", res(connect(cs[2], (struct sockaddr*)&b, blen)));
    for (int i = 0; i < 3; ++i) close(cs[i]);
    close(acc);
    close(lst);
    close(other);
    close(srv);
}

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int s) {
    (void)s;
    ++sigpipes;
}

static void shutdown_eof_epipe(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    char buf[16];
    write(sv[0], "bye", 3);
    printf("shutdown-wr: %s\n", res(shutdown(sv[0], SHUT_WR)));
    printf("read-before-eof: %zd\n", read(sv[1], buf, sizeof buf));
    printf("read-eof: %zd\n", read(sv[1], buf, sizeof buf));
    SHOW("write-after-shutdown", send(sv[0], "x", 1, MSG_NOSIGNAL));
    printf("reverse-still-open: %zd\n", write(sv[1], "ok", 2));
    printf("reverse-read: %zd\n", read(sv[0], buf, sizeof buf));
    printf("shutdown-bad-how: %s\n", res(shutdown(sv[0], 7)));
    close(sv[1]);
    signal(SIGPIPE, on_sigpipe);
    errno = 0;
    ssize_t w = write(sv[0], "x", 1);
    printf("write-closed-peer: %zd %s sigpipes %d\n", w, res(w), (int)sigpipes);
    w = send(sv[0], "x", 1, MSG_NOSIGNAL);
    printf("send-nosignal: %zd %s sigpipes %d\n", w, res(w), (int)sigpipes);
    close(sv[0]);
    /* Closing with unread data resets the peer. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "unread", 6);
    close(sv[1]);
    SHOW("read-after-reset", read(sv[0], buf, sizeof buf));
    printf("read-after-reset-again: %zd\n", read(sv[0], buf, sizeof buf));
    close(sv[0]);
    signal(SIGPIPE, SIG_DFL);
    /* Default SIGPIPE kills a child that writes to a closed socket. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[1]);
    pid_t child = fork();
    if (child == 0) {
        write(sv[0], "x", 1);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    printf("sigpipe-default: %s\n", describe_status(status));
    close(sv[0]);
}

static void readiness(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    char buf[4096];
    SHOW("nb-read-empty", read(sv[1], buf, sizeof buf));
    struct pollfd p = {sv[1], POLLIN | POLLOUT | POLLRDHUP, 0};
    POLL_SHOW("poll-idle", p);
    write(sv[0], "x", 1);
    POLL_SHOW("poll-data", p);
    read(sv[1], buf, sizeof buf);
    /* Fill sv[0]'s direction until EAGAIN: then not writable, and writable again once drained. */
    memset(buf, 'f', sizeof buf);
    size_t filled = 0;
    ssize_t w;
    while ((w = write(sv[0], buf, sizeof buf)) > 0) filled += (size_t)w;
    printf("nb-write-full: %s some %d\n", res(w), filled > 0);
    struct pollfd q = {sv[0], POLLOUT, 0};
    POLL_SHOW("poll-full", q);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
    struct epoll_event out[2];
    printf("epoll-full: %d\n", epoll_wait(ep, out, 2, 0));
    pid_t child = fork();
    if (child == 0) {
        usleep(50000);
        char sink[8192];
        size_t left = filled;
        while (left > 0) {
            ssize_t r = read(sv[1], sink, left < sizeof sink ? left : sizeof sink);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) {
                    usleep(1000);
                    continue;
                }
                _exit(1);
            }
            left -= (size_t)r;
        }
        _exit(0);
    }
    int n = epoll_wait(ep, out, 2, 5000);
    printf("epoll-drained: %d events %#x data %u\n", n, n > 0 ? out[0].events : 0,
           n > 0 ? out[0].data.u32 : 0);
    int status;
    waitpid(child, &status, 0);
    printf("drainer: %s\n", describe_status(status));
    struct epoll_event ev2 = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = 9};
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev2);
    epoll_ctl(ep, EPOLL_CTL_DEL, sv[0], NULL);
    printf("epoll-empty: %d\n", epoll_wait(ep, out, 2, 0));
    shutdown(sv[0], SHUT_WR);
    n = epoll_wait(ep, out, 2, 1000);
    printf("epoll-rdhup: %d events %#x\n", n, n > 0 ? out[0].events : 0);
    close(sv[0]);
    n = epoll_wait(ep, out, 2, 1000);
    printf("epoll-closed: %d events %#x\n", n, n > 0 ? out[0].events : 0);
    close(ep);
    close(sv[1]);
    /* A fresh stream socket polls writable and hung up; a listener readable when a
       connection waits. */
    int fresh = socket(AF_UNIX, SOCK_STREAM, 0);
    struct pollfd f = {fresh, POLLIN | POLLOUT, 0};
    POLL_SHOW("poll-fresh", f);
    close(fresh);
    struct sockaddr_un a;
    socklen_t alen;
    abstract_addr(&a, &alen, "poll");
    int lst = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(lst, (struct sockaddr*)&a, alen);
    listen(lst, 5);
    struct pollfd lp = {lst, POLLIN | POLLOUT, 0};
    POLL_SHOW("poll-listener-idle", lp);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr*)&a, alen);
    POLL_SHOW("poll-listener-pending", lp);
    fd_set rfds;
    FD_ZERO(&rfds);
    FD_SET(lst, &rfds);
    struct timeval tv = {0, 0};
    printf("select-listener: %d\n", select(lst + 1, &rfds, NULL, NULL, &tv));
    close(c);
    close(lst);
    /* SO_RCVTIMEO: a blocking read gives up with EAGAIN. */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval to = {0, 100000};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &to, sizeof to);
    struct timeval back;
    socklen_t bl = sizeof back;
    getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &back, &bl);
    printf("rcvtimeo: %ld.%06ld\n", (long)back.tv_sec, (long)back.tv_usec);
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    ssize_t r = read(sv[0], buf, 1);
    gettimeofday(&t1, NULL);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
    printf("rcvtimeo-read: %zd %s waited-enough %d\n", r, res(r), ms >= 90);
    struct timeval bad = {0, 2000000};
    printf("rcvtimeo-bad-usec: %s\n",
           res(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad)));
    close(sv[0]);
    close(sv[1]);
}

static int send_fds(int s, const int* fds, int n, const char* data) {
    char control[CMSG_SPACE(sizeof(int) * 4)];
    memset(control, 0, sizeof control);
    struct iovec iov = {(void*)data, strlen(data)};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return (int)sendmsg(s, &m, 0);
}

static void fd_passing(void) {
    int sv[2], pp[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(pp);
    printf("sendmsg-rights: %d\n", send_fds(sv[0], &pp[0], 1, "fd"));
    close(pp[0]); /* the message holds the read end now */
    char data[8] = {0};
    char control[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    ssize_t r = recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC);
    struct cmsghdr* c = CMSG_FIRSTHDR(&m);
    int fd = -1;
    if (c && c->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(c), sizeof fd);
    printf("recvmsg-rights: %zd %s level %d type %d len %zu controllen %zu flags %#x\n", r, data,
           c ? c->cmsg_level : -1, c ? c->cmsg_type : -1, c ? (size_t)c->cmsg_len : 0,
           (size_t)m.msg_controllen, m.msg_flags);
    printf("received-cloexec: %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    write(pp[1], "through the pipe", 16);
    char buf[32] = {0};
    printf("read-passed-pipe: %zd %s\n", read(fd, buf, sizeof buf - 1), buf);
    close(fd);
    /* Two descriptors into a control buffer with room for one: MSG_CTRUNC, one arrives. */
    int two[2] = {pp[1], pp[1]};
    send_fds(sv[0], two, 2, "two");
    union {
        char buf[CMSG_LEN(sizeof(int))];
        struct cmsghdr align;
    } small;
    m.msg_control = small.buf;
    m.msg_controllen = sizeof small.buf;
    memset(data, 0, sizeof data);
    r = recvmsg(sv[1], &m, 0);
    c = CMSG_FIRSTHDR(&m);
    printf("recvmsg-ctrunc: %zd flags-ctrunc %d len %zu\n", r, (m.msg_flags & MSG_CTRUNC) != 0,
           c ? (size_t)c->cmsg_len : 0);
    if (c) {
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
        close(fd);
    }
    /* No control buffer at all: the descriptor is dropped, MSG_CTRUNC. */
    send_fds(sv[0], &pp[1], 1, "none");
    m.msg_control = NULL;
    m.msg_controllen = 0;
    r = recvmsg(sv[1], &m, 0);
    printf("recvmsg-no-control: %zd ctrunc %d\n", r, (m.msg_flags & MSG_CTRUNC) != 0);
    /* A bad descriptor, a bad header, too many descriptors. */
    int bad = 999;
    printf("sendmsg-ebadf: %s\n", res(send_fds(sv[0], &bad, 1, "x")));
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof ctl);
    struct iovec one = {"x", 1};
    struct msghdr bm = {0};
    bm.msg_iov = &one;
    bm.msg_iovlen = 1;
    bm.msg_control = ctl;
    bm.msg_controllen = sizeof ctl;
    struct cmsghdr* h = (struct cmsghdr*)ctl;
    h->cmsg_len = sizeof ctl + 8;
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    printf("sendmsg-cmsg-too-long: %s\n", res(sendmsg(sv[0], &bm, 0)));
    h->cmsg_len = CMSG_LEN(sizeof(int));
    h->cmsg_type = 77;
    printf("sendmsg-cmsg-bad-type: %s\n", res(sendmsg(sv[0], &bm, 0)));
    bm.msg_control = (void*)bad_ptr;
    printf("sendmsg-control-efault: %s\n", res(syscall(SYS_sendmsg, sv[0], &bm, 0)));
    bm.msg_control = NULL;
    bm.msg_controllen = 0;
    struct iovec badv = {(void*)bad_ptr, 4};
    bm.msg_iov = &badv;
    printf("sendmsg-iov-efault: %s\n", res(sendmsg(sv[0], &bm, 0)));
    bm.msg_iov = &one;
    bm.msg_iovlen = 5000;
    printf("sendmsg-iovlen-big: %s\n", res(sendmsg(sv[0], &bm, 0)));
    printf("sendmsg-msg-efault: %s\n", res(syscall(SYS_sendmsg, sv[0], bad_ptr, 0)));
    /* Credentials: SO_PASSCRED makes SCM_CREDENTIALS arrive. */
    int on = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    send(sv[0], "cred", 4, 0);
    char cbuf[CMSG_SPACE(sizeof(struct ucred))];
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    memset(data, 0, sizeof data);
    r = recvmsg(sv[1], &m, 0);
    c = CMSG_FIRSTHDR(&m);
    struct ucred uc = {0, 0, 0};
    if (c && c->cmsg_type == SCM_CREDENTIALS) memcpy(&uc, CMSG_DATA(c), sizeof uc);
    printf("scm-credentials: %zd %s type %d pid-is-me %d uid-is-me %d\n", r, data,
           c ? c->cmsg_type : -1, uc.pid == getpid(), uc.uid == getuid());
    close(pp[1]);
    close(sv[0]);
    close(sv[1]);
}

static void datagrams(void) {
    struct sockaddr_un a, b;
    socklen_t alen, blen;
    path_addr(&a, &alen, "dgram-a");
    path_addr(&b, &blen, "dgram-b");
    int da = socket(AF_UNIX, SOCK_DGRAM, 0), db = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(da, (struct sockaddr*)&a, alen);
    bind(db, (struct sockaddr*)&b, blen);
    printf("sendto: %zd\n", sendto(da, "datagram one", 12, 0, (struct sockaddr*)&b, blen));
    printf("sendto-2: %zd\n", sendto(da, "two", 3, 0, (struct sockaddr*)&b, blen));
    char buf[64] = {0};
    struct sockaddr_un from;
    socklen_t flen = sizeof from;
    ssize_t r = recvfrom(db, buf, 4, 0, (struct sockaddr*)&from, &flen);
    printf("recvfrom-short: %zd %.4s from-a %d\n", r, buf, strcmp(from.sun_path, a.sun_path) == 0);
    struct iovec iov = {buf, 2};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    r = recvmsg(db, &m, MSG_TRUNC);
    printf("recvmsg-trunc: %zd flags-trunc %d\n", r, (m.msg_flags & MSG_TRUNC) != 0);
    printf("send-unconnected: %s\n", res(send(da, "x", 1, 0)));
    printf("connect-dgram: %s\n", res(connect(da, (struct sockaddr*)&b, blen)));
    printf("send-connected: %zd\n", send(da, "three", 5, 0));
    int avail = -1;
    ioctl(db, FIONREAD, &avail);
    printf("dgram-fionread: %d\n", avail);
    memset(buf, 0, sizeof buf);
    printf("recv-connected: %zd %s\n", recv(db, buf, sizeof buf, 0), buf);
    SHOW("dgram-recv-empty", recv(db, buf, sizeof buf, MSG_DONTWAIT));
    printf("listen-dgram: %s\n", res(listen(da, 1)));
    int st = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect-wrong-type: %s\n", res(connect(st, (struct sockaddr*)&b, blen)));
    close(st);
    close(db);
    printf("send-peer-closed: %s\n", res(send(da, "x", 1, 0)));
    printf("send-after-refused: %s\n", res(send(da, "x", 1, 0)));
    close(da);
    /* Datagram queue limit: a non-blocking sender meets EAGAIN. */
    int sv[2];
    struct sockaddr_un q;
    socklen_t qlen;
    abstract_addr(&q, &qlen, "dgram-queue");
    int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(rx, (struct sockaddr*)&q, qlen);
    int tx = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int sent = 0;
    ssize_t qr;
    while ((qr = sendto(tx, "q", 1, 0, (struct sockaddr*)&q, qlen)) == 1 && sent < 10000) ++sent;
    printf("dgram-queue-full: %s bounded %d\n", res(qr), sent < 10000);
    close(tx);
    close(rx);
    /* Seqpacket: boundaries kept, truncation reported, EOF at close. */
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    send(sv[0], "first record", 12, 0);
    send(sv[0], "second", 6, 0);
    memset(buf, 0, sizeof buf);
    iov.iov_len = 5;
    m.msg_flags = 0;
    r = recvmsg(sv[1], &m, 0);
    printf("seqpacket-trunc: %zd %.5s flags-trunc %d\n", r, buf, (m.msg_flags & MSG_TRUNC) != 0);
    memset(buf, 0, sizeof buf);
    printf("seqpacket-next: %zd %s\n", recv(sv[1], buf, sizeof buf, 0), buf);
    close(sv[0]);
    printf("seqpacket-eof: %zd\n", recv(sv[1], buf, sizeof buf, 0));
    SHOW("seqpacket-send-closed", send(sv[1], "x", 1, MSG_NOSIGNAL));
    close(sv[1]);
    /* Seqpacket over a named listener. */
    struct sockaddr_un s;
    socklen_t slen;
    abstract_addr(&s, &slen, "seqpacket");
    int lst = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    bind(lst, (struct sockaddr*)&s, slen);
    listen(lst, 2);
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    printf("seqpacket-connect: %s\n", res(connect(c, (struct sockaddr*)&s, slen)));
    int acc = accept(lst, NULL, NULL);
    send(c, "rec1", 4, 0);
    send(c, "rec22", 5, 0);
    memset(buf, 0, sizeof buf);
    printf("seqpacket-accepted: %zd %s", recv(acc, buf, sizeof buf, 0), buf);
    memset(buf, 0, sizeof buf);
    printf(" %zd %s\n", recv(acc, buf, sizeof buf, 0), buf);
    close(acc);
    close(c);
    close(lst);
}

static void misc_errors(void) {
    char path[256];
    snprintf(path, sizeof path, "%s/regular", dir);
    int f = open(path, O_CREAT | O_RDWR, 0644);
    struct sockaddr_un a;
    socklen_t alen;
    path_addr(&a, &alen, "misc.sock");
    printf("bind-enotsock: %s\n", res(bind(f, (struct sockaddr*)&a, alen)));
    printf("listen-enotsock: %s\n", res(listen(f, 1)));
    printf("getsockopt-enotsock: %s\n", res(getsockopt(f, SOL_SOCKET, SO_TYPE, &a, &alen)));
    printf("send-enotsock: %s\n", res(send(f, "x", 1, 0)));
    printf("bind-ebadf: %s\n", res(bind(555, (struct sockaddr*)&a, alen)));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind-efault: %s\n", res(bind(s, (struct sockaddr*)bad_ptr, alen)));
    printf("bind-short: %s\n", res(bind(s, (struct sockaddr*)&a, 1)));
    printf("bind-long: %s\n", res(bind(s, (struct sockaddr*)&a, 200)));
    struct sockaddr_un wrong = a;
    wrong.sun_family = AF_INET;
    printf("bind-wrong-family: %s\n", res(bind(s, (struct sockaddr*)&wrong, alen)));
    printf("connect-wrong-family: %s\n", res(connect(s, (struct sockaddr*)&wrong, alen)));
    printf("listen-unbound: %s\n", res(listen(s, 1)));
    printf("accept-not-listening: %s\n", res(accept(s, NULL, NULL)));
    char buf[4];
    printf("recv-unconnected: %s\n", res(recv(s, buf, sizeof buf, 0)));
    printf("send-unconnected: %s\n", res(send(s, "x", 1, 0)));
    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    printf("getpeername-unconnected: %s\n", res(getpeername(s, (struct sockaddr*)&got, &glen)));
    printf("getsockname-len-efault: %s\n",
           res(getsockname(s, (struct sockaddr*)&got, (socklen_t*)bad_ptr)));
    glen = (socklen_t)-1;
    printf("getsockname-len-negative: %s\n", res(getsockname(s, (struct sockaddr*)&got, &glen)));
    glen = 1;
    getsockname(s, (struct sockaddr*)&got, &glen);
    printf("getsockname-len-short: full %u\n", glen);
    printf("getsockopt-len-efault: %s\n",
           res(getsockopt(s, SOL_SOCKET, SO_TYPE, &glen, (socklen_t*)bad_ptr)));
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    printf("send-efault: %s\n", res(send(sv[0], (void*)bad_ptr, 4, 0)));
    printf("recvfrom-addr-efault: %s\n",
           res(recvfrom(sv[1], buf, 1, MSG_DONTWAIT, (struct sockaddr*)&got, (socklen_t*)bad_ptr)));
    printf("sendto-connected-stream: %s\n",
           res(sendto(sv[0], "x", 1, 0, (struct sockaddr*)&a, alen)));
    printf("recv-oob: %s\n", res(recv(sv[1], buf, 1, MSG_OOB)));
    printf("accept4-bad-flags: %s\n", res(accept4(s, NULL, NULL, 0x1)));
    /* sendfile from a regular file into a socket. */
    char block[3000];
    for (int i = 0; i < 3000; ++i) block[i] = (char)('a' + i % 26);
    write(f, block, sizeof block);
    lseek(f, 0, SEEK_SET);
    off_t off = 100;
    const ssize_t sf = sendfile(sv[0], f, &off, 2000);
    printf("sendfile-offset: %zd next %ld\n", sf, (long)off);
    printf("sendfile-position: %zd\n", sendfile(sv[0], f, NULL, 500));
    size_t n;
    shutdown(sv[0], SHUT_WR);
    uint64_t h = recv_hash(sv[1], ~(size_t)0, &n);
    uint64_t want = 1469598103934665603ull;
    for (int i = 100; i < 2100; ++i) want = (want ^ (unsigned char)block[i]) * 1099511628211ull;
    for (int i = 0; i < 500; ++i) want = (want ^ (unsigned char)block[i]) * 1099511628211ull;
    printf("sendfile-received: %zu match %d\n", n, h == want);
    /* sendfile into a full non-blocking socket: partial, and the file position follows what
       was sent. */
    int nb[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, nb);
    char big[4096];
    memset(big, 'z', sizeof big);
    lseek(f, 0, SEEK_SET);
    for (int i = 0; i < 200; ++i) write(f, big, sizeof big);
    lseek(f, 0, SEEK_SET);
    ssize_t total = 0, w;
    while ((w = sendfile(nb[0], f, NULL, 65536)) > 0) total += w;
    printf("sendfile-full: %s position-matches %d\n", res(w),
           lseek(f, 0, SEEK_CUR) == (off_t)total);
    close(nb[0]);
    close(nb[1]);
    close(sv[0]);
    close(sv[1]);
    close(s);
    close(f);
}

static int serve(const char* path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(srv, (struct sockaddr*)&a, sizeof a) < 0 || listen(srv, 8) < 0) return 1;
    for (;;) {
        int c = accept(srv, NULL, NULL);
        if (c < 0) continue;
        char buf[512];
        ssize_t n;
        while ((n = read(c, buf, sizeof buf)) > 0) {
            for (ssize_t i = 0; i < n; ++i) buf[i] = (char)toupper((unsigned char)buf[i]);
            write(c, buf, (size_t)n);
        }
        close(c);
    }
}

static int send_text(const char* path, const char* text) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr*)&a, sizeof a) < 0) {
        printf("connect: %s\n", ename(errno));
        return 1;
    }
    write(c, text, strlen(text));
    shutdown(c, SHUT_WR);
    char buf[512];
    ssize_t n, total = 0;
    while ((n = read(c, buf + total, sizeof buf - 1 - (size_t)total)) > 0) total += n;
    buf[total] = 0;
    printf("%s\n", buf);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
    if (argc == 4 && strcmp(argv[1], "send") == 0) return send_text(argv[2], argv[3]);
    if (argc < 2) {
        fprintf(stderr, "usage: sockets SCRATCH-DIR\n");
        return 2;
    }
    dir = argv[1];
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(abstract_base, sizeof abstract_base, "domus-socktest-%d", (int)getpid());
    basics();
    creation_errors();
    path_server();
    abstract_names();
    shutdown_eof_epipe();
    readiness();
    fd_passing();
    datagrams();
    misc_errors();
    printf("sockets: done\n");
    return 0;
}
