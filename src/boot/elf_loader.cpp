#include "boot/elf_loader.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include "base/fd.hpp"
#include "base/hex.hpp"
#include "boot/file_bytes.hpp"

namespace domus {

namespace {

constexpr uint64_t kMaxPhnum = 64;

std::string dec(uint64_t v) {
    return std::to_string(v);
}

// Built with += : GCC 12 reports a false -Wrestrict for "[" + std::string at -O3 (PR 105329).
std::string range(uint64_t begin, uint64_t end) {
    std::string out = "[";
    out += hex(begin);
    out += ", ";
    out += hex(end);
    out += ")";
    return out;
}

Error bad(std::string message) {
    return make_error(Errc::bad_image, std::move(message));
}

// Overflow-checked a + b: false (and *out untouched) when the sum would wrap.
bool checked_add(uint64_t a, uint64_t b, uint64_t* out) {
    uint64_t sum;
    if (__builtin_add_overflow(a, b, &sum)) return false;
    *out = sum;
    return true;
}

using file_bytes::in_bounds;
using file_bytes::load_at;

uint64_t align_up(uint64_t v, uint64_t align) {
    return (v + align - 1) & ~(align - 1);
}

const char* machine_name(uint16_t machine) {
    struct Name {
        uint16_t id;
        const char* name;
    };
    static constexpr Name kNames[] = {
        {EM_NONE, "none"},        {EM_SPARC, "SPARC"},         {EM_386, "i386"},
        {EM_68K, "m68k"},         {EM_MIPS, "MIPS"},           {EM_PPC, "PowerPC"},
        {EM_PPC64, "PowerPC64"},  {EM_S390, "S/390"},          {EM_ARM, "ARM"},
        {EM_SPARCV9, "SPARC V9"}, {EM_IA_64, "IA-64"},         {EM_AARCH64, "AArch64"},
        {EM_RISCV, "RISC-V"},     {EM_LOONGARCH, "LoongArch"},
    };
    for (const Name& n : kNames) {
        if (n.id == machine) return n.name;
    }
    return "unknown";
}

Status check_ident(std::span<const uint8_t> file) {
    if (file.size() >= SELFMAG && std::memcmp(file.data(), ELFMAG, SELFMAG) != 0) {
        char buf[96];
        std::snprintf(buf, sizeof buf,
                      "not an ELF file (magic %02x %02x %02x %02x, expected 7f 45 4c 46)", file[0],
                      file[1], file[2], file[3]);
        return bad(buf);
    }
    if (file.size() < sizeof(Elf64_Ehdr)) {
        return bad("ELF image truncated: " + dec(file.size()) + " bytes, an ELF64 header needs " +
                   dec(sizeof(Elf64_Ehdr)));
    }
    const uint8_t cls = file[EI_CLASS];
    if (cls != ELFCLASS64) {
        const char* name = cls == ELFCLASS32     ? "ELFCLASS32"
                           : cls == ELFCLASSNONE ? "ELFCLASSNONE"
                                                 : "unknown";
        return bad("ELF class " + dec(cls) + " (" + name + ") is not ELFCLASS64");
    }
    const uint8_t data = file[EI_DATA];
    if (data != ELFDATA2LSB) {
        const char* name = data == ELFDATA2MSB ? "big-endian" : "unknown";
        return bad("ELF data encoding " + dec(data) + " (" + name + ") is not little-endian");
    }
    if (file[EI_VERSION] != EV_CURRENT) {
        return bad("ELF ident version " + dec(file[EI_VERSION]) + " is not EV_CURRENT (1)");
    }
    return {};
}

Status check_header(const Elf64_Ehdr& eh, uint64_t file_size) {
    if (eh.e_version != EV_CURRENT) {
        return bad("ELF e_version " + dec(eh.e_version) + " is not EV_CURRENT (1)");
    }
    if (eh.e_machine != EM_X86_64) {
        return bad("ELF machine " + dec(eh.e_machine) + " (" + machine_name(eh.e_machine) +
                   ") is not x86-64");
    }
    if (eh.e_type != ET_EXEC) {
        switch (eh.e_type) {
            case ET_DYN:
                return bad(
                    "ELF type 3 (ET_DYN, position-independent) is not supported: link the "
                    "kernel as ET_EXEC (-no-pie)");
            case ET_REL:
                return bad("ELF type 1 (ET_REL, relocatable object) is not ET_EXEC");
            case ET_CORE:
                return bad("ELF type 4 (ET_CORE, core dump) is not ET_EXEC");
            default:
                return bad("ELF type " + dec(eh.e_type) + " is not ET_EXEC");
        }
    }
    if (eh.e_phentsize != sizeof(Elf64_Phdr)) {
        return bad("ELF e_phentsize " + dec(eh.e_phentsize) + " is not " + dec(sizeof(Elf64_Phdr)) +
                   " (sizeof Elf64_Phdr)");
    }
    if (eh.e_phnum == 0) return bad("ELF image has no program headers (e_phnum 0)");
    if (eh.e_phnum > kMaxPhnum) {
        return bad("ELF e_phnum " + dec(eh.e_phnum) + " exceeds the limit of " + dec(kMaxPhnum) +
                   " program headers");
    }
    const uint64_t table_bytes = uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr);
    if (!in_bounds(eh.e_phoff, table_bytes, file_size)) {
        return bad("ELF program header table at offset " + hex(eh.e_phoff) + " (" +
                   hex(table_bytes) + " bytes) lies outside the file of " + hex(file_size) +
                   " bytes");
    }
    return {};
}

// Validates one PT_LOAD and appends it; `index` is its program header number.
Status add_load(size_t index, const Elf64_Phdr& ph, uint64_t file_size, const ElfLimits& limits,
                ElfImage& image, std::vector<size_t>& seg_index) {
    const std::string name = "ELF segment " + dec(index);
    if (ph.p_filesz > ph.p_memsz) {
        return bad(name + ": p_filesz " + hex(ph.p_filesz) + " exceeds p_memsz " + hex(ph.p_memsz));
    }
    if (!in_bounds(ph.p_offset, ph.p_filesz, file_size)) {
        return bad(name + ": file bytes at offset " + hex(ph.p_offset) + " (" + hex(ph.p_filesz) +
                   " bytes) lie outside the file of " + hex(file_size) + " bytes");
    }
    if (ph.p_memsz == 0) return {};  // an empty PT_LOAD occupies nothing
    const uint64_t gpa = (ph.p_paddr == 0 && ph.p_vaddr != 0) ? ph.p_vaddr : ph.p_paddr;
    uint64_t end = 0;
    if (!checked_add(gpa, ph.p_memsz, &end)) {
        return bad(name + " at " + hex(gpa) + " with size " + hex(ph.p_memsz) +
                   " wraps around the end of the address space");
    }
    // The boot page tables map RAM at VA == GPA and at DOMUS_KERNEL_VIRT_BASE + GPA (the
    // first DOMUS_KERNEL_VIRT_MAX_RAM bytes): a segment must be linked at one of the two.
    const uint64_t vaddr = ph.p_vaddr;
    const bool high = vaddr != gpa;
    if (high && (vaddr - gpa != DOMUS_KERNEL_VIRT_BASE || end > DOMUS_KERNEL_VIRT_MAX_RAM)) {
        return bad(name + ": virtual address " + hex(vaddr) + " for physical " + hex(gpa) +
                   " is neither identity mapped nor at " + hex(DOMUS_KERNEL_VIRT_BASE) +
                   " + physical below " + hex(DOMUS_KERNEL_VIRT_MAX_RAM));
    }
    if (gpa < limits.min_gpa) {
        return bad(name + " " + range(gpa, end) + " starts below " + hex(limits.min_gpa) +
                   ", where the boot structures live");
    }
    if (end > limits.ram_bytes) {
        return bad(name + " " + range(gpa, end) + " lies outside guest RAM of " +
                   hex(limits.ram_bytes) + " bytes");
    }
    for (size_t j = 0; j < image.segments.size(); ++j) {
        const ElfSegment& o = image.segments[j];
        const uint64_t o_end = o.gpa + o.mem_size;  // validated above: cannot wrap
        if (gpa < o_end && o.gpa < end) {
            return bad(name + " " + range(gpa, end) + " overlaps segment " + dec(seg_index[j]) +
                       " " + range(o.gpa, o_end));
        }
    }
    image.segments.push_back(ElfSegment{ph.p_offset, ph.p_filesz, gpa, vaddr, ph.p_memsz,
                                        (ph.p_flags & PF_X) != 0, (ph.p_flags & PF_W) != 0});
    seg_index.push_back(index);
    return {};
}

// Walks the notes of one PT_NOTE, extracting the Xen PHYS32_ENTRY note.
Status parse_notes(size_t index, const Elf64_Phdr& ph, std::span<const uint8_t> file,
                   ElfImage& image) {
    const std::string name = "ELF note segment " + dec(index);
    if (!in_bounds(ph.p_offset, ph.p_filesz, file.size())) {
        return bad(name + ": bytes at offset " + hex(ph.p_offset) + " (" + hex(ph.p_filesz) +
                   " bytes) lie outside the file of " + hex(file.size()) + " bytes");
    }
    const std::span<const uint8_t> notes = file.subspan(ph.p_offset, ph.p_filesz);
    const uint64_t size = notes.size();
    const uint64_t align = ph.p_align == 8 ? 8 : 4;  // gABI: 4, except 8-aligned note segments
    uint64_t pos = 0;
    while (pos < size) {
        if (size - pos < sizeof(Elf64_Nhdr)) {
            return bad(name + ": truncated note header at offset " + hex(pos) + " (" +
                       hex(size - pos) + " bytes left, a header needs 12)");
        }
        const auto nh = load_at<Elf64_Nhdr>(notes, pos);
        const uint64_t name_off = pos + sizeof(Elf64_Nhdr);
        if (nh.n_namesz > size - name_off) {
            return bad(name + ": note at offset " + hex(pos) + " has n_namesz " + hex(nh.n_namesz) +
                       " running past the segment end " + hex(size));
        }
        // Every value here is <= size + 7, and size is a real buffer length: no wrap.
        const uint64_t desc_off = std::min(align_up(name_off + nh.n_namesz, align), size);
        if (nh.n_descsz > size - desc_off) {
            return bad(name + ": note at offset " + hex(pos) + " has n_descsz " + hex(nh.n_descsz) +
                       " running past the segment end " + hex(size));
        }
        const bool is_xen = nh.n_namesz == 4 && std::memcmp(notes.data() + name_off, "Xen", 4) == 0;
        if (is_xen && nh.n_type == kXenElfnotePhys32Entry) {
            uint32_t entry = 0;
            if (nh.n_descsz == 4) {
                entry = load_at<uint32_t>(notes, desc_off);
            } else if (nh.n_descsz == 8) {
                entry = static_cast<uint32_t>(load_at<uint64_t>(notes, desc_off));
            } else {
                return bad(name + ": Xen PHYS32_ENTRY note has a descriptor of " +
                           hex(nh.n_descsz) + " bytes, expected 4 or 8");
            }
            if (image.pvh_entry && *image.pvh_entry != entry) {
                return bad(name + ": conflicting Xen PHYS32_ENTRY notes " + hex(*image.pvh_entry) +
                           " and " + hex(entry));
            }
            image.pvh_entry = entry;
        }
        pos = align_up(desc_off + nh.n_descsz, align);
    }
    return {};
}

Status check_entry(const ElfImage& image, const std::vector<size_t>& seg_index) {
    for (const ElfSegment& s : image.segments) {
        if (s.executable && image.entry >= s.vaddr && image.entry - s.vaddr < s.mem_size) {
            return {};
        }
    }
    for (size_t j = 0; j < image.segments.size(); ++j) {
        const ElfSegment& s = image.segments[j];
        if (image.entry >= s.vaddr && image.entry - s.vaddr < s.mem_size) {
            return bad("ELF entry " + hex(image.entry) +
                       " is not inside an executable segment (segment " + dec(seg_index[j]) + " " +
                       range(s.vaddr, s.vaddr + s.mem_size) + " lacks PF_X)");
        }
    }
    return bad("ELF entry " + hex(image.entry) + " is not inside an executable segment");
}

}  // namespace

Result<ElfImage> parse_elf(std::span<const uint8_t> file, const ElfLimits& limits) {
    if (auto st = check_ident(file); !st) return st.error();
    const auto eh = load_at<Elf64_Ehdr>(file, 0);
    if (auto st = check_header(eh, file.size()); !st) return st.error();

    ElfImage image;
    image.entry = eh.e_entry;
    std::vector<size_t> seg_index;  // program header number of each image.segments entry
    for (size_t i = 0; i < eh.e_phnum; ++i) {
        const auto ph = load_at<Elf64_Phdr>(file, eh.e_phoff + i * sizeof(Elf64_Phdr));
        Status st;
        switch (ph.p_type) {
            case PT_LOAD:
                st = add_load(i, ph, file.size(), limits, image, seg_index);
                break;
            case PT_NOTE:
                st = parse_notes(i, ph, file, image);
                break;
            case PT_INTERP:
            case PT_DYNAMIC:
                return bad("ELF segment " + dec(i) + " is " +
                           (ph.p_type == PT_INTERP ? "PT_INTERP" : "PT_DYNAMIC") +
                           ": dynamically linked images are not supported");
            default:
                break;  // PT_GNU_STACK, PT_PHDR, PT_TLS, ...: nothing to load
        }
        if (!st) return std::move(st).error();
    }
    if (image.segments.empty()) return bad("ELF image has no loadable (PT_LOAD) segment");
    if (auto st = check_entry(image, seg_index); !st) return st.error();

    image.lowest_gpa = image.segments.front().gpa;
    image.end_gpa = 0;
    for (const ElfSegment& s : image.segments) {
        image.lowest_gpa = std::min(image.lowest_gpa, s.gpa);
        image.end_gpa = std::max(image.end_gpa, s.gpa + s.mem_size);
    }
    return image;
}

Status load_elf(const ElfImage& image, std::span<const uint8_t> file, GuestMemory& mem) {
    for (size_t i = 0; i < image.segments.size(); ++i) {
        const ElfSegment& s = image.segments[i];
        const std::string name = "loading ELF segment " + dec(i);
        if (s.file_size > s.mem_size || !in_bounds(s.file_offset, s.file_size, file.size())) {
            return bad(name + ": file bytes at offset " + hex(s.file_offset) + " (" +
                       hex(s.file_size) + " bytes) do not fit the file of " + hex(file.size()) +
                       " bytes or the segment of " + hex(s.mem_size) + " bytes");
        }
        if (!mem.contains(s.gpa, s.mem_size)) {
            return make_error(Errc::out_of_range, name + ": " + hex(s.mem_size) + " bytes at " +
                                                      hex(s.gpa) + " do not fit guest RAM of " +
                                                      hex(mem.size()) + " bytes");
        }
        if (auto st = mem.write(s.gpa, file.subspan(s.file_offset, s.file_size)); !st) return st;
        if (auto st = mem.fill(s.gpa + s.file_size, s.mem_size - s.file_size, 0); !st) return st;
    }
    return {};
}

}  // namespace domus
