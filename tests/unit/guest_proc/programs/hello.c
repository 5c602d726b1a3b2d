/* A small C program linked statically by tests/unit/guest_proc/CMakeLists.txt (glibc -static,
   glibc -static-pie, musl-gcc -static): the real ELF files guest/proc/elf must accept. It has
   thread-local data (PT_TLS) and a large .bss (memory size beyond the file size). */
#include <stdio.h>
#include <string.h>

static __thread int counter = 3;
static char big[1 << 16];

int main(int argc, char** argv) {
    memset(big, argc, sizeof big);
    counter += argc;
    printf("hello from %s: %d %d\n", argv[0], counter, big[100]);
    return 0;
}
