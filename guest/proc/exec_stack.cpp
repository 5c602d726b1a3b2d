#include "proc/exec_stack.hpp"

#include "abi/errno.hpp"
#include "arch/cpu.hpp"
#include "arch/user.hpp"
#include "kernel/boot.hpp"
#include "kernel/random.hpp"
#include "kernel/string.hpp"
#include "mm/aspace.hpp"
#include "mm/kheap.hpp"
#include "mm/usercopy.hpp"

namespace proc {

namespace {

enum : uint64_t {
    AT_NULL = 0,
    AT_PHDR = 3,
    AT_PHENT = 4,
    AT_PHNUM = 5,
    AT_PAGESZ = 6,
    AT_BASE = 7,
    AT_FLAGS = 8,
    AT_ENTRY = 9,
    AT_UID = 11,
    AT_EUID = 12,
    AT_GID = 13,
    AT_EGID = 14,
    AT_PLATFORM = 15,
    AT_HWCAP = 16,
    AT_CLKTCK = 17,
    AT_SECURE = 23,
    AT_RANDOM = 25,
    AT_HWCAP2 = 26,
    AT_EXECFN = 31,
    AT_MINSIGSTKSZ = 51,
};

constexpr char kPlatform[] = "x86_64";

// HWCAP2_FSGSBASE (bit 1) when user code may use wrfsbase & co: always on the PVM host (the
// host's CR4 allows them), else when the CPU has them (the kernel then sets CR4.FSGSBASE).
uint64_t hwcap2() {
    return g_boot.pvm_host || user::has_fsgsbase() ? 2 : 0;
}
constexpr uint64_t kAuxPairs = 20;

}  // namespace

int build_initial_stack(const ExecArgs* args, const char* execfn, const elf::Program& program,
                        uint64_t* sp_out) {
    const size_t execfn_len = kstrnlen(execfn, 4096) + 1;
    // Strings at the top: [execfn][argv+envp strings][platform][16 random bytes].
    uint64_t top = mm::kStackTop - 8;
    const uint64_t execfn_at = top - execfn_len;
    const uint64_t strings_at = execfn_at - args->used;
    const uint64_t platform_at = strings_at - sizeof(kPlatform);
    const uint64_t random_at = (platform_at - 16) & ~uint64_t(15);

    const uint64_t words = 1 + args->argc + 1 + args->envc + 1 + 2 * kAuxPairs;
    uint64_t sp = (random_at - words * 8) & ~uint64_t(15);
    if (mm::kStackTop - sp > mm::kStackMax / 4) return -linux_errno::E2BIG;

    uint64_t* vec = static_cast<uint64_t*>(kzalloc(words * 8));
    if (!vec) return -linux_errno::ENOMEM;
    size_t w = 0;
    vec[w++] = args->argc;
    size_t off = 0;
    for (uint32_t i = 0; i < args->argc + args->envc; ++i) {
        if (i == args->argc) vec[w++] = 0;  // end of argv
        vec[w++] = strings_at + off;
        off += kstrnlen(args->buffer + off, args->used - off) + 1;
    }
    if (args->envc == 0) vec[w++] = 0;
    vec[w++] = 0;  // end of envp
    const uint64_t aux[kAuxPairs][2] = {
        {AT_PHDR, program.phdr},
        {AT_PHENT, elf::kPhdrSize},
        {AT_PHNUM, program.phnum},
        {AT_PAGESZ, 4096},
        {AT_BASE, 0},
        {AT_FLAGS, 0},
        {AT_ENTRY, program.entry},
        {AT_UID, 0},
        {AT_EUID, 0},
        {AT_GID, 0},
        {AT_EGID, 0},
        {AT_PLATFORM, platform_at},
        {AT_HWCAP, cpu::cpuid(1).edx},
        {AT_CLKTCK, 100},
        {AT_SECURE, 0},
        {AT_RANDOM, random_at},
        {AT_HWCAP2, hwcap2()},
        {AT_EXECFN, execfn_at},
        {AT_MINSIGSTKSZ, 4096},
        {AT_NULL, 0},
    };
    for (const auto& pair : aux) {
        vec[w++] = pair[0];
        vec[w++] = pair[1];
    }
    uint8_t random[16];
    random_bytes(random, sizeof(random));
    int r = copy_to_user(sp, vec, w * 8);
    kfree(vec);
    if (r == 0) r = copy_to_user(random_at, random, sizeof(random));
    if (r == 0) r = copy_to_user(platform_at, kPlatform, sizeof(kPlatform));
    if (r == 0) r = copy_to_user(strings_at, args->buffer, args->used);
    if (r == 0) r = copy_to_user(execfn_at, execfn, execfn_len);
    if (r == 0) r = clear_user(top, 8);
    if (r != 0) return r;
    *sp_out = sp;
    return 0;
}

}  // namespace proc
