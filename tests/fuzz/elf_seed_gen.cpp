// Writes the seed corpus of fuzz_elf_loader: a few valid kernel images built with the unit
// tests' ElfBuilder. Usage: elf_seed_gen <corpus-dir>
#include <cstdio>
#include <string>
#include <vector>

#include "elf_builder.hpp"

namespace {

bool write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace domus::test;
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    std::vector<uint8_t> entry32 = {0x40, 0x00, 0x10, 0x00};

    ElfBuilder pvh = valid_image();
    pvh.add_segment(PT_NOTE, note("Xen", 18, entry32));
    pvh.add_segment(PT_GNU_STACK, {});

    ElfBuilder aligned8 = valid_image();
    aligned8.add_segment(PT_NOTE, note("GNU", NT_GNU_PROPERTY_TYPE_0, pattern(16, 0), 8), 8);

    const bool ok = write_file(dir + "/seed_valid.elf", valid_image().build()) &&
                    write_file(dir + "/seed_pvh_note.elf", pvh.build()) &&
                    write_file(dir + "/seed_note_align8.elf", aligned8.build());
    if (!ok) {
        std::perror(dir.c_str());
        return 1;
    }
    return 0;
}
