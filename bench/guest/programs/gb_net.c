/* gb_net: TCP bulk transfer with 1 MiB buffers, the same binary in a domain and on the host.
 *   gb_net recv PORT                 accept one connection, read to EOF, print the figures
 *   gb_net send ADDR PORT MIB        connect, write MIB MiB of a fixed pattern, print them
 * Output: "<bytes> bytes <seconds> s <Gbit/s> Gbit/s" (the time from the connection's first
 * to its last byte on this side). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define BUF (1 << 20)

static char buf[BUF];

static double now_s(void) {
    return (double)now_ns() / 1e9;
}

static void report(unsigned long long bytes, double start) {
    const double s = now_s() - start;
    printf("bytes=%llu seconds=%.3f gbit_s=%.3f\n", bytes, s, s > 0 ? (double)bytes * 8 / s / 1e9 : 0.0);
}

static int do_recv(int port) {
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(l, (struct sockaddr*)&a, sizeof a) != 0 || listen(l, 1) != 0) {
        perror("gb_net: listen");
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    int c = accept(l, 0, 0);
    if (c < 0) {
        perror("gb_net: accept");
        return 1;
    }
    unsigned long long total = 0;
    double start = 0;
    for (;;) {
        ssize_t n = read(c, buf, BUF);
        if (n < 0) {
            perror("gb_net: read");
            return 1;
        }
        if (n == 0) break;
        if (total == 0) start = now_s();
        total += (unsigned long long)n;
    }
    report(total, start);
    return 0;
}

static int do_send(const char* addr, int port, long mib) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (c < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
        fprintf(stderr, "gb_net: bad address %s\n", addr);
        return 1;
    }
    for (int tries = 0; connect(c, (struct sockaddr*)&a, sizeof a) != 0; ++tries) {
        if (tries == 200) {
            perror("gb_net: connect");
            return 1;
        }
        close(c);
        usleep(20000);
        c = socket(AF_INET, SOCK_STREAM, 0);
    }
    for (int i = 0; i < BUF; ++i) buf[i] = (char)(i * 7);
    const unsigned long long want = (unsigned long long)mib << 20;
    unsigned long long total = 0;
    const double start = now_s();
    while (total < want) {
        size_t chunk = want - total < BUF ? (size_t)(want - total) : BUF;
        ssize_t n = write(c, buf, chunk);
        if (n <= 0) {
            perror("gb_net: write");
            return 1;
        }
        total += (unsigned long long)n;
    }
    shutdown(c, SHUT_WR);
    while (read(c, buf, BUF) > 0) {
    }
    report(total, start);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "recv") == 0) return do_recv(atoi(argv[2]));
    if (argc == 5 && strcmp(argv[1], "send") == 0) return do_send(argv[2], atoi(argv[3]), atol(argv[4]));
    fprintf(stderr, "usage: gb_net recv PORT | gb_net send ADDR PORT MIB\n");
    return 2;
}
