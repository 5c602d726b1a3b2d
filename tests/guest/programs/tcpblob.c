/* tcpblob: a TCP bulk transfer checked end to end, the same binary in a domain and on the
 * host. The sender writes a xorshift64* stream seeded by SEED; both sides print the byte count
 * and a 64-bit FNV-1a hash of the words they moved, so the two lines must be equal.
 *   tcpblob recv PORT             accept one connection, read to EOF
 *   tcpblob send ADDR PORT MIB SEED
 * Output: "bytes=N hash=H" (and "listening" on stdout once recv listens). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF (1 << 20)

static uint64_t buf[BUF / 8];

static uint64_t mix(uint64_t h, const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static int do_recv(int port) {
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(l, (struct sockaddr*)&a, sizeof a) != 0 || listen(l, 1) != 0) {
        perror("tcpblob: listen");
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    int c = accept(l, 0, 0);
    if (c < 0) {
        perror("tcpblob: accept");
        return 1;
    }
    unsigned long long total = 0;
    uint64_t h = 0xcbf29ce484222325ull;
    for (;;) {
        ssize_t n = read(c, buf, BUF);
        if (n < 0) {
            perror("tcpblob: read");
            return 1;
        }
        if (n == 0) break;
        h = mix(h, (const uint8_t*)buf, (size_t)n);
        total += (unsigned long long)n;
    }
    printf("bytes=%llu hash=%016llx\n", total, (unsigned long long)h);
    return 0;
}

static int do_send(const char* addr, int port, long mib, uint64_t seed) {
    int c = -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
        fprintf(stderr, "tcpblob: bad address %s\n", addr);
        return 1;
    }
    for (int tries = 0;; ++tries) {  /* the receiver may not listen yet */
        c = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr*)&a, sizeof a) == 0) break;
        close(c);
        if (tries == 250) {
            perror("tcpblob: connect");
            return 1;
        }
        usleep(20000);
    }
    uint64_t x = seed | 1, h = 0xcbf29ce484222325ull;
    unsigned long long total = 0;
    for (long m = 0; m < mib; ++m) {
        for (size_t i = 0; i < BUF / 8; ++i) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            buf[i] = x * 0x2545f4914f6cdd1dull;
        }
        size_t done = 0;
        while (done < BUF) {
            ssize_t n = write(c, (const char*)buf + done, BUF - done);
            if (n <= 0) {
                perror("tcpblob: write");
                return 1;
            }
            done += (size_t)n;
        }
        h = mix(h, (const uint8_t*)buf, BUF);
        total += BUF;
    }
    shutdown(c, SHUT_WR);
    while (read(c, buf, BUF) > 0) {
    }
    printf("bytes=%llu hash=%016llx\n", total, (unsigned long long)h);
    return 0;
}

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "recv") == 0) return do_recv(atoi(argv[2]));
    if (argc == 6 && strcmp(argv[1], "send") == 0) {
        return do_send(argv[2], atoi(argv[3]), atol(argv[4]), strtoull(argv[5], 0, 0));
    }
    fprintf(stderr, "usage: tcpblob recv PORT | tcpblob send ADDR PORT MIB SEED\n");
    return 2;
}
