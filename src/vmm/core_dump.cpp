#include "vmm/core_dump.hpp"

#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "domus/abi/boot_info.h"

namespace domus::vmm {
namespace {

constexpr uint64_t kPage = 4096;
// x86-64 Linux's struct elf_prstatus (336 bytes; pr_pid at 32, pr_reg at 112) and struct
// elf_prpsinfo (136 bytes), written field by field so the layout does not depend on a header.
constexpr size_t kPrstatusSize = 336;
constexpr size_t kPrstatusPid = 32;
constexpr size_t kPrstatusReg = 112;
constexpr size_t kPrpsinfoSize = 136;
constexpr size_t kPrpsinfoPid = 24;
constexpr size_t kPrpsinfoFname = 40;
constexpr size_t kPrpsinfoPsargs = 56;
constexpr char kNoteName[] = "CORE";  // 5 bytes with the NUL, padded to 8

uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

template <typename T>
void put(std::vector<uint8_t>& out, size_t at, T value) {
    std::memcpy(out.data() + at, &value, sizeof value);
}

void append_note(std::vector<uint8_t>& out, uint32_t type, const std::vector<uint8_t>& desc) {
    const size_t at = out.size();
    const size_t name_len = sizeof kNoteName;
    out.resize(at + sizeof(Elf64_Nhdr) + align_up(name_len, 4) + align_up(desc.size(), 4), 0);
    Elf64_Nhdr h{};
    h.n_namesz = static_cast<Elf64_Word>(name_len);
    h.n_descsz = static_cast<Elf64_Word>(desc.size());
    h.n_type = type;
    std::memcpy(out.data() + at, &h, sizeof h);
    std::memcpy(out.data() + at + sizeof h, kNoteName, name_len);
    std::memcpy(out.data() + at + sizeof h + align_up(name_len, 4), desc.data(), desc.size());
}

// struct user_regs_struct, in its order.
// pr_pid is the thread's id for gdb: vCPU n is LWP n + 1.
std::vector<uint8_t> prstatus(const CoreVcpu& v, uint32_t lwp) {
    std::vector<uint8_t> d(kPrstatusSize, 0);
    put<uint32_t>(d, kPrstatusPid, lwp);
    const hv::Regs& r = v.regs;
    const hv::SpecialRegs& s = v.sregs;
    const uint64_t regs[27] = {
        r.r15,         r.r14,         r.r13,         r.r12,     r.rbp,     r.rbx,
        r.r11,         r.r10,         r.r9,          r.r8,      r.rax,     r.rcx,
        r.rdx,         r.rsi,         r.rdi,         ~0ull,     r.rip,     s.cs.selector,
        r.rflags,      r.rsp,         s.ss.selector, s.fs.base, s.gs.base, s.ds.selector,
        s.es.selector, s.fs.selector, s.gs.selector};
    std::memcpy(d.data() + kPrstatusReg, regs, sizeof regs);
    return d;
}

std::vector<uint8_t> prpsinfo(const CoreSpec& spec) {
    std::vector<uint8_t> d(kPrpsinfoSize, 0);
    d[0] = 0;    // pr_state: running
    d[1] = 'R';  // pr_sname
    put<uint32_t>(d, kPrpsinfoPid, spec.pid);
    std::memcpy(d.data() + kPrpsinfoFname, spec.name.data(),
                std::min<size_t>(spec.name.size(), 15));
    std::memcpy(d.data() + kPrpsinfoPsargs, spec.name.data(),
                std::min<size_t>(spec.name.size(), 79));
    return d;
}

}  // namespace

std::vector<CoreView> domus_boot_views(uint64_t ram_bytes) {
    return {{0, ram_bytes},
            {DOMUS_PHYSMAP_BASE, ram_bytes},
            {DOMUS_KERNEL_VIRT_BASE, std::min<uint64_t>(ram_bytes, 2ull << 30)}};
}

Result<std::vector<uint8_t>> build_core_prefix(const CoreSpec& spec) {
    if (spec.vcpus.empty()) return make_error(Errc::invalid_argument, "core file: no vCPUs");
    if (spec.ram_bytes == 0 || spec.ram_bytes % kPage != 0) {
        return make_error(Errc::invalid_argument, "core file: RAM size " +
                                                      std::to_string(spec.ram_bytes) +
                                                      " is not a positive multiple of 4096");
    }
    for (const CoreView& v : spec.views) {
        if (v.size == 0 || v.size > spec.ram_bytes || v.vaddr + (v.size - 1) < v.vaddr) {
            return make_error(Errc::invalid_argument,
                              "core file: view at " + std::to_string(v.vaddr) + " of " +
                                  std::to_string(v.size) + " bytes does not fit guest RAM");
        }
    }
    std::vector<uint8_t> notes;
    append_note(notes, NT_PRPSINFO, prpsinfo(spec));
    for (size_t i = 0; i < spec.vcpus.size(); ++i) {
        append_note(notes, NT_PRSTATUS, prstatus(spec.vcpus[i], static_cast<uint32_t>(i + 1)));
    }

    const size_t phnum = 1 + spec.views.size();
    const uint64_t notes_off = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
    const uint64_t ram_off = align_up(notes_off + notes.size(), kPage);
    std::vector<uint8_t> out(ram_off, 0);

    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
    eh.e_type = ET_CORE;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<Elf64_Half>(phnum);
    std::memcpy(out.data(), &eh, sizeof eh);

    std::vector<Elf64_Phdr> ph(phnum);
    ph[0].p_type = PT_NOTE;
    ph[0].p_offset = notes_off;
    ph[0].p_filesz = notes.size();
    ph[0].p_align = 4;
    for (size_t i = 0; i < spec.views.size(); ++i) {
        Elf64_Phdr& p = ph[1 + i];
        p.p_type = PT_LOAD;
        p.p_flags = PF_R | PF_W | PF_X;
        p.p_offset = ram_off;
        p.p_vaddr = spec.views[i].vaddr;
        p.p_paddr = 0;
        p.p_filesz = spec.views[i].size;
        p.p_memsz = spec.views[i].size;
        p.p_align = kPage;
    }
    std::memcpy(out.data() + sizeof eh, ph.data(), phnum * sizeof(Elf64_Phdr));
    std::memcpy(out.data() + notes_off, notes.data(), notes.size());
    return out;
}

Status write_core_file(int fd, const CoreSpec& spec, std::span<const uint8_t> ram) {
    if (ram.size() != spec.ram_bytes) {
        return make_error(Errc::invalid_argument,
                          "core file: RAM span of " + std::to_string(ram.size()) +
                              " bytes, expected " + std::to_string(spec.ram_bytes));
    }
    auto prefix = build_core_prefix(spec);
    if (!prefix) return prefix.error();
    auto write_all = [fd](const uint8_t* p, size_t n) -> Status {
        while (n > 0) {
            const ssize_t w = ::write(fd, p, std::min<size_t>(n, 1u << 30));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                return make_error(Errc::io, std::string("core file: write failed: ") +
                                                (w < 0 ? std::strerror(errno) : "no progress"));
            }
            p += w;
            n -= static_cast<size_t>(w);
        }
        return {};
    };
    if (auto st = write_all(prefix->data(), prefix->size()); !st) return st;
    return write_all(ram.data(), ram.size());
}

}  // namespace domus::vmm
