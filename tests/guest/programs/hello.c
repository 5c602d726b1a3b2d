/* What a process finds at start-up: argc/argv, the environment and the auxiliary vector.
 * Prints only what is the same for the same exec on any Linux (no addresses, no pids). */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#ifndef AT_HWCAP2
#define AT_HWCAP2 26
#endif

extern char** environ;
extern char _start[];

static int tls_counter_init = 5;
static __thread int tls_counter = 42;

static void print_aux_presence(const char* name, unsigned long type) {
    printf("%s: %s\n", name, getauxval(type) != 0 ? "present" : "missing");
}

int main(int argc, char** argv) {
    printf("hello from a static program\n");
    printf("argc: %d\n", argc);
    for (int i = 0; i < argc; ++i) printf("argv[%d]: \"%s\"\n", i, argv[i]);
    printf("argv[argc]: %s\n", argv[argc] == NULL ? "NULL" : "not NULL");
    int envc = 0;
    for (char** e = environ; *e; ++e) printf("envp[%d]: \"%s\"\n", envc++, *e);
    const char* home = getenv("HOME");
    const char* term = getenv("TERM");
    printf("HOME: %s\n", home ? home : "(unset)");
    printf("TERM: %s\n", term ? term : "(unset)");

    printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
    printf("AT_PHENT: %lu\n", getauxval(AT_PHENT));
    printf("AT_CLKTCK: %lu\n", getauxval(AT_CLKTCK));
    print_aux_presence("AT_PHDR", AT_PHDR);
    print_aux_presence("AT_PHNUM", AT_PHNUM);
    print_aux_presence("AT_RANDOM", AT_RANDOM);
    print_aux_presence("AT_HWCAP", AT_HWCAP);
    print_aux_presence("AT_EXECFN", AT_EXECFN);
    printf("AT_ENTRY is _start: %s\n",
           getauxval(AT_ENTRY) == (unsigned long)(uintptr_t)_start ? "yes" : "no");
    printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
    printf("AT_UID matches getuid: %s\n",
           getauxval(AT_UID) == (unsigned long)getuid() ? "yes" : "no");
    printf("AT_EUID matches geteuid: %s\n",
           getauxval(AT_EUID) == (unsigned long)geteuid() ? "yes" : "no");
    printf("AT_GID matches getgid: %s\n",
           getauxval(AT_GID) == (unsigned long)getgid() ? "yes" : "no");
    printf("AT_EGID matches getegid: %s\n",
           getauxval(AT_EGID) == (unsigned long)getegid() ? "yes" : "no");

    /* AT_PHDR points at this program's own program headers: one of them is PT_LOAD and
     * (static-PIE or not) the count matches AT_PHNUM. */
    const Elf64_Phdr* ph = (const Elf64_Phdr*)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM);
    int loads = 0;
    for (unsigned long i = 0; ph && i < phnum; ++i) loads += ph[i].p_type == PT_LOAD;
    printf("AT_PHDR has PT_LOAD: %s\n", loads > 0 ? "yes" : "no");

    /* AT_RANDOM: 16 bytes, not all zero. */
    const unsigned char* rnd = (const unsigned char*)getauxval(AT_RANDOM);
    int nonzero = 0;
    for (int i = 0; rnd && i < 16; ++i) nonzero |= rnd[i];
    printf("AT_RANDOM bytes: %s\n", nonzero ? "random" : "zero");

    const char* execfn = (const char*)getauxval(AT_EXECFN);
    const char* base = execfn ? strrchr(execfn, '/') : NULL;
    printf("AT_EXECFN basename: %s\n", base ? base + 1 : (execfn ? execfn : "(none)"));

    /* The stack is 16-byte aligned at main, TLS works, statics are initialized, bss is zero. */
    static char bss[4096];
    int bss_zero = 1;
    for (size_t i = 0; i < sizeof bss; ++i) bss_zero &= bss[i] == 0;
    tls_counter += tls_counter_init;
    printf("tls: %d, data: %d, bss zero: %s\n", tls_counter, tls_counter_init,
           bss_zero ? "yes" : "no");
    long page = sysconf(_SC_PAGESIZE);
    printf("sysconf page size: %ld\n", page);
    fflush(stdout);
    return argc > 1 && strcmp(argv[1], "exit7") == 0 ? 7 : 0;
}
