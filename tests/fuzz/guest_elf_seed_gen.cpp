// Writes the seed corpus of fuzz_guest_elf: small user programs (ET_EXEC and static-PIE
// ET_DYN, with PT_PHDR, PT_TLS, bss-only and mid-page segments, 16 and 17 PT_LOADs) built
// with the guest_proc unit tests' UserElf. Usage: guest_elf_seed_gen <corpus-dir>
#include <cstdio>
#include <string>
#include <vector>

#include "user_elf.hpp"

namespace {

bool write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace guest_proc_test;
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];

    UserElf bss = exec_image();  // a segment with no file bytes
    bss.add_load(bss.file_size, 0x500000 + (bss.file_size & 0xfff), 0, 0x10000, PF_R | PF_W);

    UserElf phdr = exec_image();  // PT_PHDR and a note
    phdr.add(PT_PHDR, PF_R, 0x40, 0x400040, 7 * 56, 7 * 56, 8);
    phdr.add(PT_NOTE, PF_R, 0x1a0, 0x4001a0, 0x20, 0x20, 4);

    UserElf mid;  // one mid-page PIE segment, the headers in none
    mid.eh.e_type = ET_DYN;
    mid.add_load(0x800, 0x800, 0x100, 0x100, PF_R | PF_X);
    mid.eh.e_entry = 0x810;
    mid.file_size = 0x900;

    UserElf many;  // the segment limit
    for (uint64_t i = 0; i < 16; ++i) {
        many.add_load(0x1000 * (i + 1), 0x400000 + 0x1000 * i, 0x40, 0x80, PF_R | PF_X);
    }
    many.eh.e_entry = 0x400000;
    many.file_size = 0x11000;

    UserElf too_many = many;  // one PT_LOAD past the limit (refused)
    too_many.add_load(0x11000, 0x410000, 0x40, 0x80, PF_R);
    too_many.file_size = 0x12000;

    const bool ok = write_file(dir + "/seed_exec.elf", exec_image().build()) &&
                    write_file(dir + "/seed_pie.elf", pie_image().build()) &&
                    write_file(dir + "/seed_bss.elf", bss.build()) &&
                    write_file(dir + "/seed_phdr.elf", phdr.build()) &&
                    write_file(dir + "/seed_pie_mid_page.elf", mid.build()) &&
                    write_file(dir + "/seed_16_loads.elf", many.build()) &&
                    write_file(dir + "/seed_17_loads.elf", too_many.build());
    if (!ok) {
        std::perror(dir.c_str());
        return 1;
    }
    return 0;
}
