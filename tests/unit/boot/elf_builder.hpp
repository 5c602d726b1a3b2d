// Builds small ELF64 kernel images in memory, for the loader's unit tests and the fuzz seed
// generator. Layout: Elf64_Ehdr at 0, program headers at 64, segment bytes from kPayloadBase.
// Tests edit ehdr()/phdr(i) freely before build(); build() writes the headers as they are, so
// hostile values (e_phoff, p_offset, ...) reach the file unchanged.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace domus::test {

inline constexpr uint64_t kPayloadBase = 0x1000;  // file offset of the first segment's bytes
inline constexpr uint64_t kCodeGpa = 0x100000;
inline constexpr uint64_t kDataGpa = 0x101000;
inline constexpr uint64_t kEntry = 0x100010;

inline void put_le32(std::vector<uint8_t>& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

inline void put_le64(std::vector<uint8_t>& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Bytes 0, 1, 2, ... (mod 251) seeded by `seed`, so every segment's contents are distinct.
inline std::vector<uint8_t> pattern(size_t len, uint8_t seed) {
    std::vector<uint8_t> v(len);
    for (size_t i = 0; i < len; ++i) v[i] = static_cast<uint8_t>((i + seed) % 251);
    return v;
}

// One note with an explicit n_namesz/n_descsz (which may lie), followed by `name` and `desc`
// each zero-padded to `align`.
inline std::vector<uint8_t> raw_note(uint32_t namesz, uint32_t descsz, uint32_t type,
                                     const std::vector<uint8_t>& name,
                                     const std::vector<uint8_t>& desc, size_t align = 4) {
    std::vector<uint8_t> out;
    put_le32(out, namesz);
    put_le32(out, descsz);
    put_le32(out, type);
    out.insert(out.end(), name.begin(), name.end());
    while (out.size() % align != 0) out.push_back(0);
    out.insert(out.end(), desc.begin(), desc.end());
    while (out.size() % align != 0) out.push_back(0);
    return out;
}

// A well-formed note; `owner` is stored with its terminating NUL.
inline std::vector<uint8_t> note(const std::string& owner, uint32_t type,
                                 const std::vector<uint8_t>& desc, size_t align = 4) {
    std::vector<uint8_t> name(owner.begin(), owner.end());
    name.push_back(0);
    return raw_note(static_cast<uint32_t>(name.size()), static_cast<uint32_t>(desc.size()), type,
                    name, desc, align);
}

class ElfBuilder {
  public:
    ElfBuilder() {
        std::memset(&eh_, 0, sizeof eh_);
        std::memcpy(eh_.e_ident, ELFMAG, SELFMAG);
        eh_.e_ident[EI_CLASS] = ELFCLASS64;
        eh_.e_ident[EI_DATA] = ELFDATA2LSB;
        eh_.e_ident[EI_VERSION] = EV_CURRENT;
        eh_.e_type = ET_EXEC;
        eh_.e_machine = EM_X86_64;
        eh_.e_version = EV_CURRENT;
        eh_.e_phoff = sizeof(Elf64_Ehdr);
        eh_.e_ehsize = sizeof(Elf64_Ehdr);
        eh_.e_phentsize = sizeof(Elf64_Phdr);
    }

    Elf64_Ehdr& ehdr() { return eh_; }
    Elf64_Phdr& phdr(size_t i) { return ph_.at(i); }
    size_t phnum() const { return ph_.size(); }

    // A PT_LOAD of `bytes` at p_paddr = p_vaddr = gpa, mem_size bytes in memory.
    size_t add_load(uint64_t gpa, const std::vector<uint8_t>& bytes, uint64_t mem_size,
                    uint32_t flags) {
        return add(PT_LOAD, flags, bytes, gpa, mem_size, 0x1000);
    }
    // Any other program header (PT_NOTE, PT_INTERP, PT_GNU_STACK, ...) with its file bytes.
    size_t add_segment(uint32_t type, const std::vector<uint8_t>& bytes, uint64_t align = 4) {
        return add(type, PF_R, bytes, 0, 0, align);
    }

    std::vector<uint8_t> build() const {
        std::vector<uint8_t> out(kPayloadBase + payload_.size());
        std::memcpy(out.data(), &eh_, sizeof eh_);
        for (size_t i = 0; i < ph_.size(); ++i) {
            std::memcpy(out.data() + sizeof eh_ + i * sizeof(Elf64_Phdr), &ph_[i],
                        sizeof(Elf64_Phdr));
        }
        if (!payload_.empty()) {
            std::memcpy(out.data() + kPayloadBase, payload_.data(), payload_.size());
        }
        return out;
    }

  private:
    size_t add(uint32_t type, uint32_t flags, const std::vector<uint8_t>& bytes, uint64_t gpa,
               uint64_t mem_size, uint64_t align) {
        if (sizeof eh_ + (ph_.size() + 1) * sizeof(Elf64_Phdr) > kPayloadBase) {
            throw std::length_error("ElfBuilder: too many program headers");
        }
        while (payload_.size() % 8 != 0) payload_.push_back(0);
        Elf64_Phdr ph;
        std::memset(&ph, 0, sizeof ph);
        ph.p_type = type;
        ph.p_flags = flags;
        ph.p_offset = kPayloadBase + payload_.size();
        ph.p_vaddr = gpa;
        ph.p_paddr = gpa;
        ph.p_filesz = bytes.size();
        ph.p_memsz = type == PT_LOAD ? mem_size : bytes.size();
        ph.p_align = align;
        payload_.insert(payload_.end(), bytes.begin(), bytes.end());
        ph_.push_back(ph);
        eh_.e_phnum = static_cast<uint16_t>(ph_.size());
        return ph_.size() - 1;
    }

    Elf64_Ehdr eh_;
    std::vector<Elf64_Phdr> ph_;
    std::vector<uint8_t> payload_;
};

// The reference image: code (R+X, 0x200 bytes) at 1 MiB with the entry 0x10 into it, then data
// (R+W, 0x100 file bytes, 0x3000 in memory) one page above. The file ends with the data bytes.
inline ElfBuilder valid_image() {
    ElfBuilder b;
    b.add_load(kCodeGpa, pattern(0x200, 1), 0x200, PF_R | PF_X);
    b.add_load(kDataGpa, pattern(0x100, 7), 0x3000, PF_R | PF_W);
    b.ehdr().e_entry = kEntry;
    return b;
}

}  // namespace domus::test
