// Writes the seed corpus of fuzz_cpio: small newc archives built with the unit tests'
// cpio_builder.hpp, raw and gzip'd. Usage: cpio_seed_gen <corpus-dir>

#include <cstdio>
#include <string>
#include <vector>

#include "cpio_builder.hpp"
#include "gzip_member.hpp"

namespace {

bool write_file(const std::string& path, const std::string& bytes) {
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
    const std::string out_dir = argv[1];

    NewcEntry dev;
    dev.name = "dev/console";
    dev.mode = 020600;
    dev.rdev_major = 5;
    dev.rdev_minor = 1;
    NewcEntry hard1 = file("etc/a", ""), hard2 = file("etc/b", "linked\n");
    hard1.nlink = hard2.nlink = 2;
    hard1.ino = hard2.ino = 9;
    const std::string tree = archive({dir("."), dir("bin"), dir("dev"), dev, dir("etc"), hard1,
                                      hard2, file("init", "#!/bin/sh\nexec /bin/sh\n", 0100755),
                                      domus::test::symlink("bin/sh", "busybox")});

    NewcEntry crc = file("crc", "summed data");
    crc.magic = "070702";
    NewcEntry crc_trailer = trailer();
    crc_trailer.magic = "070702";
    std::string crc_archive;
    append_entry(crc_archive, crc);
    append_entry(crc_archive, crc_trailer);

    const std::string minimal = archive({file("f", "x")});
    // Files with whole pages of data (the guest takes those pages over), one replaced later,
    // and a hard-linked pair carrying its data on the last link.
    NewcEntry big1 = file("bin/l1", ""), big2 = file("bin/l2", std::string(2 * 4096 + 3, 'L'));
    big1.nlink = big2.nlink = 2;
    big1.ino = big2.ino = 11;
    const std::string pages = archive({file("big", std::string(3 * 4096 + 17, 'B')), big1, big2,
                                       file("big", "replaced"), file("p", std::string(4096, 'P'))});
    const std::string concatenated = minimal + std::string(12, '\0') + archive({dir("d")});

    const struct {
        const char* name;
        std::string bytes;
    } seeds[] = {
        {"seed_tree.cpio", tree},
        {"seed_trailer_only.cpio", archive({})},
        {"seed_crc.cpio", crc_archive},
        {"seed_concatenated.cpio", concatenated},
        {"seed_pages.cpio", pages},
        {"seed_tree.cpio.gz", gzip(tree, 9)},
        {"seed_two_members.cpio.gz",
         gzip(minimal, 9) + gzip(archive({domus::test::symlink("l", "t")}), 9)},
    };
    for (const auto& s : seeds) {
        if (s.bytes.empty() || !write_file(out_dir + "/" + s.name, s.bytes)) {
            std::perror((out_dir + "/" + s.name).c_str());
            return 1;
        }
    }
    return 0;
}
