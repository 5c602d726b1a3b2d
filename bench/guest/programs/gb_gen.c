/* Writes SIZE bytes of a fixed xorshift64* stream to FILE: the deterministic data that
 * bench_guest_sha256 hashes (the same bytes on every machine, so the same digest). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
    if (argc < 3) return 2;
    const unsigned long long size = strtoull(argv[2], NULL, 0);
    FILE* f = fopen(argv[1], "wb");
    if (!f) return 1;
    uint64_t x = 0x9e3779b97f4a7c15ull, buf[8192];
    for (unsigned long long done = 0; done < size;) {
        for (size_t i = 0; i < 8192; ++i) {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            buf[i] = x * 0x2545f4914f6cdd1dull;
        }
        size_t n = sizeof buf;
        if (size - done < n) n = (size_t)(size - done);
        if (fwrite(buf, 1, n, f) != n) return 1;
        done += n;
    }
    return fclose(f) == 0 ? 0 : 1;
}
