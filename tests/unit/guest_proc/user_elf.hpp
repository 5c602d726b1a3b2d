// Builds small ELF64 user programs in memory for the tests of guest/proc/elf (the parser exec
// runs) and the seed generator of fuzz_guest_elf. Unlike tests/unit/boot/elf_builder.hpp, every
// field is placed by the test: segments are described by their offset, address and sizes, and
// build() writes the header and the program headers where the header says (when that lies in
// the file) into a file of exactly `file_size` bytes, so hostile values reach the parser as
// they are. Segment bytes are a pattern; the parser never looks at them.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace guest_proc_test {

// The guest kernel's user address-space bounds, as exec passes them (guest/mm/aspace.hpp:
// kUserMin, and kMmapTop = kStackTop - kStackMax - 1 GiB).
inline constexpr uint64_t kUserMin = 0x10000;
inline constexpr uint64_t kUserTop = 0x00007ffffffff000ull - (8ull << 20) - (1ull << 30);

struct UserElf {
    Elf64_Ehdr eh{};
    std::vector<Elf64_Phdr> ph;
    uint64_t file_size = 0;

    UserElf() {
        std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS64;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        eh.e_type = ET_EXEC;
        eh.e_machine = EM_X86_64;
        eh.e_version = EV_CURRENT;
        eh.e_phoff = sizeof(Elf64_Ehdr);
        eh.e_ehsize = sizeof(Elf64_Ehdr);
        eh.e_phentsize = sizeof(Elf64_Phdr);
    }

    // Appends a program header (e_phnum follows); its index.
    size_t add(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz,
               uint64_t memsz, uint64_t align = 0x1000) {
        Elf64_Phdr p{};
        p.p_type = type;
        p.p_flags = flags;
        p.p_offset = offset;
        p.p_vaddr = vaddr;
        p.p_paddr = vaddr;
        p.p_filesz = filesz;
        p.p_memsz = memsz;
        p.p_align = align;
        ph.push_back(p);
        eh.e_phnum = static_cast<uint16_t>(ph.size());
        return ph.size() - 1;
    }
    size_t add_load(uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                    uint32_t flags) {
        return add(PT_LOAD, flags, offset, vaddr, filesz, memsz);
    }

    // The first byte after the program headers (where e_phoff puts them).
    uint64_t headers_end() const { return eh.e_phoff + ph.size() * sizeof(Elf64_Phdr); }

    std::vector<uint8_t> build() const {
        std::vector<uint8_t> out(file_size);
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 7 + 1);
        std::memcpy(out.data(), &eh, out.size() < sizeof eh ? out.size() : sizeof eh);
        for (size_t i = 0; i < ph.size(); ++i) {
            uint64_t at = 0;
            if (__builtin_add_overflow(eh.e_phoff, i * sizeof(Elf64_Phdr), &at)) continue;
            if (at < out.size() && out.size() - at >= sizeof(Elf64_Phdr)) {
                std::memcpy(out.data() + at, &ph[i], sizeof(Elf64_Phdr));
            }
        }
        return out;
    }
};

// The reference ET_EXEC program, laid out like a linker's: a read-only segment at 0x400000
// holding the headers (offset 0), code (R+X, entry 0x10 into it), read-only data, and data
// (R+W, 0x100 bytes in the file, 0x2000 in memory, starting mid-page like .data after RELRO).
inline constexpr uint64_t kExecBase = 0x400000;
inline constexpr uint64_t kExecEntry = 0x401010;
inline UserElf exec_image() {
    UserElf e;
    e.add_load(0x0000, 0x400000, 0x200, 0x200, PF_R);
    e.add_load(0x1000, 0x401000, 0x300, 0x300, PF_R | PF_X);
    e.add_load(0x2000, 0x402000, 0x080, 0x080, PF_R);
    e.add_load(0x2f40, 0x403f40, 0x100, 0x2000, PF_R | PF_W);
    e.add(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
    e.eh.e_entry = kExecEntry;
    e.file_size = 0x3040;
    return e;
}

// The same program as a static PIE (ET_DYN linked at 0), with a PT_TLS and a PT_PHDR.
inline constexpr uint64_t kPieEntry = 0x1010;
inline UserElf pie_image() {
    UserElf e;
    e.eh.e_type = ET_DYN;
    e.add(PT_PHDR, PF_R, 0x40, 0x40, 7 * sizeof(Elf64_Phdr), 7 * sizeof(Elf64_Phdr), 8);
    e.add_load(0x0000, 0x0000, 0x200, 0x200, PF_R);
    e.add_load(0x1000, 0x1000, 0x300, 0x300, PF_R | PF_X);
    e.add_load(0x2000, 0x2000, 0x080, 0x080, PF_R);
    e.add_load(0x2f40, 0x3f40, 0x100, 0x2000, PF_R | PF_W);
    e.add(PT_TLS, PF_R, 0x2f40, 0x3f40, 0x10, 0x40, 8);
    e.add(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
    e.eh.e_entry = kPieEntry;
    e.file_size = 0x3040;
    return e;
}

}  // namespace guest_proc_test
