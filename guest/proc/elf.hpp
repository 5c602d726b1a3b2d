// Validating parser for the ELF64 programs exec runs (static ET_EXEC and static-PIE ET_DYN).
// Pure: it reads only the buffers it is given, so it is unit-tested and fuzzed on the host
// (tests/unit/guest_proc, tests/fuzz/fuzz_guest_elf.cpp). Every refusal names the problem.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace elf {

inline constexpr size_t kHeaderSize = 64;
inline constexpr size_t kPhdrSize = 56;
inline constexpr uint32_t kMaxPhdrs = 64;
inline constexpr uint32_t kMaxSegments = 16;
inline constexpr uint64_t kPieBase = 0x555555554000ull;  // where ET_DYN programs are placed

struct Segment {
    uint64_t vaddr;  // with the load bias applied
    uint64_t memsz;
    uint64_t offset;  // in the file
    uint64_t filesz;
    uint32_t prot;  // 1 read, 2 write, 4 exec (mm::kProt*)
};

struct Program {
    uint64_t entry;  // with the load bias
    uint64_t bias;   // 0 for ET_EXEC
    uint64_t phdr;   // user address of the program headers (AT_PHDR)
    uint32_t phnum;
    uint64_t phoff;  // in the file
    uint64_t end;    // first byte after the highest segment (brk starts here)
    Segment segments[kMaxSegments];
    uint32_t segment_count;
};

struct Result {
    int error;            // 0, or -ENOEXEC / -EINVAL
    const char* problem;  // why, for the console; nullptr when error is 0
};

// Checks the 64-byte header. On success fills program->phoff/phnum/entry (unbiased).
Result parse_header(const uint8_t* header, size_t length, uint64_t file_size, Program* program);

// Checks the program headers (phnum * 56 bytes read from phoff) and completes `program`.
// `user_min` and `user_top` bound where segments may land.
Result parse_segments(const uint8_t* phdrs, size_t length, uint64_t file_size, uint64_t user_min,
                      uint64_t user_top, Program* program);

}  // namespace elf
