#include "boot/program_elf.hpp"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "base/hex.hpp"
#include "boot/cpio.hpp"
#include "boot/file_bytes.hpp"

namespace domus {

namespace {

constexpr uint64_t kMaxPhnum = 64;
constexpr uint64_t kMaxDynamicEntries = 4096;
constexpr const char* kStaticHint =
    "--exec needs a static executable (link with -static, or build Go with CGO_ENABLED=0)";

using file_bytes::in_bounds;
using file_bytes::load_at;

// A path as is between single quotes when printable, else escaped (boot/cpio.hpp).
std::string shown(std::string_view s, bool quotes = true) {
    const bool printable = s.size() <= 1024 && std::all_of(s.begin(), s.end(), [](char c) {
                               return c >= 0x20 && c < 0x7f;
                           });
    if (!printable) return escape_for_message(s);
    return quotes ? "'" + std::string(s) + "'" : std::string(s);
}

class Inspector {
  public:
    Inspector(std::span<const uint8_t> file, std::string_view name)
        : file_(file), name_(shown(name)) {}

    Result<ProgramInfo> run() {
        if (auto st = ident(); !st) return st.error();
        const auto eh = load_at<Elf64_Ehdr>(file_, 0);
        if (auto st = header(eh); !st) return st.error();
        bool interp = false;
        bool exec_entry = false;
        bool loadable = false;
        bool dynamic = false;
        Elf64_Phdr dyn{};
        for (uint64_t i = 0; i < eh.e_phnum; ++i) {
            const auto ph = load_at<Elf64_Phdr>(file_, eh.e_phoff + i * sizeof(Elf64_Phdr));
            if (ph.p_type == PT_INTERP) {
                if (auto st = interpreter(ph); !st) return st.error();
                interp = true;
            } else if (ph.p_type == PT_LOAD) {
                if (!in_bounds(ph.p_offset, ph.p_filesz, file_.size())) {
                    return bad("segment " + std::to_string(i) + " lies outside the file of " +
                               std::to_string(file_.size()) + " bytes");
                }
                if (ph.p_filesz > ph.p_memsz) {
                    return bad("segment " + std::to_string(i) + " has more file bytes than memory");
                }
                loadable = loadable || ph.p_memsz != 0;
                if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_vaddr &&
                    eh.e_entry - ph.p_vaddr < ph.p_memsz) {
                    exec_entry = true;
                }
            } else if (ph.p_type == PT_DYNAMIC) {
                dyn = ph;
                dynamic = true;
            }
        }
        if (interp) return interp_error_;
        if (!loadable) return bad("has no loadable segment");
        if (eh.e_type == ET_DYN && eh.e_entry == 0) {
            return bad("is a shared library (ELF type ET_DYN with no entry point), not a program");
        }
        if (!exec_entry) {
            return bad("its entry point " + hex(eh.e_entry) + " is in no executable segment");
        }
        if (dynamic) {
            if (auto st = needed(dyn); !st) return st.error();
        }
        return ProgramInfo{eh.e_type == ET_DYN, eh.e_entry};
    }

  private:
    Error bad(const std::string& what) const {
        return make_error(Errc::bad_image, name_ + " " + what);
    }

    Status ident() const {
        if (file_.size() < SELFMAG || std::memcmp(file_.data(), ELFMAG, SELFMAG) != 0) {
            if (file_.size() >= 2 && file_[0] == '#' && file_[1] == '!') {
                return bad(
                    "is a script (it starts with \"#!\"), not an ELF executable; --exec needs a "
                    "static executable (run its interpreter with --exec, the script in "
                    "--overlay)");
            }
            if (file_.empty()) return bad("is empty, not an ELF executable");
            return bad("is not an ELF executable (no ELF magic 7f 45 4c 46 at its start)");
        }
        if (file_.size() < sizeof(Elf64_Ehdr)) {
            return bad("is truncated: " + std::to_string(file_.size()) +
                       " bytes, an ELF64 header needs " + std::to_string(sizeof(Elf64_Ehdr)));
        }
        if (file_[EI_CLASS] != ELFCLASS64) {
            return bad("is not a 64-bit ELF file (ELF class " + std::to_string(file_[EI_CLASS]) +
                       "); the guest runs x86-64 programs");
        }
        if (file_[EI_DATA] != ELFDATA2LSB) return bad("is not a little-endian ELF file");
        return {};
    }

    Status header(const Elf64_Ehdr& eh) const {
        if (eh.e_machine != EM_X86_64) {
            return bad("is for ELF machine " + std::to_string(eh.e_machine) + ", not x86-64 (62)");
        }
        switch (eh.e_type) {
            case ET_EXEC:
            case ET_DYN:
                break;
            case ET_REL:
                return bad("is a relocatable object (ET_REL), not a linked program");
            case ET_CORE:
                return bad("is a core dump (ET_CORE), not a program");
            default:
                return bad("has ELF type " + std::to_string(eh.e_type) +
                           ", not an executable (ET_EXEC or ET_DYN)");
        }
        if (eh.e_phentsize != sizeof(Elf64_Phdr)) {
            return bad("has e_phentsize " + std::to_string(eh.e_phentsize) + ", not " +
                       std::to_string(sizeof(Elf64_Phdr)));
        }
        if (eh.e_phnum == 0) return bad("has no program headers");
        if (eh.e_phnum > kMaxPhnum) {
            return bad("has " + std::to_string(eh.e_phnum) + " program headers (at most " +
                       std::to_string(kMaxPhnum) + ")");
        }
        if (!in_bounds(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr), file_.size())) {
            return bad("has its program header table outside the file");
        }
        return {};
    }

    // Records the dynamic-linking refusal (returned once every header was read, so that a
    // broken file is named as broken first).
    Status interpreter(const Elf64_Phdr& ph) {
        std::string path;
        if (in_bounds(ph.p_offset, ph.p_filesz, file_.size())) {
            const auto* p = reinterpret_cast<const char*>(file_.data() + ph.p_offset);
            path.assign(p, strnlen(p, ph.p_filesz));
        }
        interp_error_ = bad("is dynamically linked (interpreter " +
                            (path.empty() ? std::string("unreadable") : shown(path, false)) +
                            "); " + kStaticHint);
        return {};
    }

    // DT_NEEDED in a program without an interpreter: libraries nobody will load.
    Status needed(const Elf64_Phdr& dyn) const {
        if (!in_bounds(dyn.p_offset, dyn.p_filesz, file_.size())) {
            return bad("has its dynamic section outside the file");
        }
        const uint64_t count = std::min(dyn.p_filesz / sizeof(Elf64_Dyn), kMaxDynamicEntries);
        uint64_t libraries = 0;
        for (uint64_t i = 0; i < count; ++i) {
            const auto d = load_at<Elf64_Dyn>(file_, dyn.p_offset + i * sizeof(Elf64_Dyn));
            if (d.d_tag == DT_NULL) break;
            if (d.d_tag == DT_NEEDED) ++libraries;
        }
        if (libraries != 0) {
            return bad("needs " + std::to_string(libraries) +
                       " shared libraries (DT_NEEDED) but has no interpreter; " + kStaticHint);
        }
        return {};
    }

    std::span<const uint8_t> file_;
    std::string name_;
    Error interp_error_;
};

}  // namespace

Result<ProgramInfo> inspect_program(std::span<const uint8_t> file, std::string_view name) {
    return Inspector(file, name).run();
}

}  // namespace domus
