// Archives made at test time by the real tools: `find . | cpio -o -H newc` (and -H crc) over a
// small tree with a file, directories, a symlink, a hard link and a fifo, gzip'd by `gzip`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "boot/cpio.hpp"
#include "boot/elf_loader.hpp"
#include "boot/file_read.hpp"
#include "boot/initramfs.hpp"

namespace domus {
namespace {

bool have(const char* tool) {
    const std::string cmd = std::string("command -v ") + tool + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
}

class RealCpio : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!have("cpio") || !have("gzip")) GTEST_SKIP() << "cpio or gzip is not installed";
        char tmpl[] = "/tmp/domus-cpio-tools-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        tree_ = dir_ + "/tree";
        ASSERT_EQ(::mkdir(tree_.c_str(), 0755), 0);
        ASSERT_EQ(::mkdir((tree_ + "/bin").c_str(), 0755), 0);
        ASSERT_EQ(::mkdir((tree_ + "/etc").c_str(), 0700), 0);
        std::ofstream(tree_ + "/etc/hostname") << "domus-guest\n";
        std::ofstream(tree_ + "/init") << "#!/bin/sh\necho hello from init\n";
        ASSERT_EQ(::chmod((tree_ + "/init").c_str(), 0755), 0);
        ASSERT_EQ(::symlink("../init", (tree_ + "/bin/sh").c_str()), 0);
        ASSERT_EQ(::link((tree_ + "/etc/hostname").c_str(), (tree_ + "/etc/name").c_str()), 0);
        ASSERT_EQ(::mkfifo((tree_ + "/fifo").c_str(), 0644), 0);
        std::ofstream(tree_ + "/empty");
    }
    void TearDown() override {
        if (dir_.empty()) return;
        const std::string cmd = "rm -rf '" + dir_ + "'";
        EXPECT_EQ(std::system(cmd.c_str()), 0);
    }

    // Runs `find . | cpio -o -H <format>` in the tree; returns the archive's path.
    std::string make_archive(const std::string& format, const std::string& name) {
        const std::string out = dir_ + "/" + name;
        const std::string cmd = "cd '" + tree_ + "' && find . | LC_ALL=C sort | cpio -o -H " +
                                format + " --quiet > '" + out + "'";
        EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
        return out;
    }

    std::string gzip(const std::string& path, const std::string& flags = "") {
        const std::string cmd = "gzip -k -f " + flags + " '" + path + "'";
        EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
        return path + ".gz";
    }

    static std::vector<uint8_t> bytes(const std::string& path) {
        auto r = read_file(path, 1 << 20);
        EXPECT_TRUE(r.ok()) << r.error().message;
        return r.ok() ? *r : std::vector<uint8_t>{};
    }

    static std::string text(std::span<const uint8_t> d) {
        return {reinterpret_cast<const char*>(d.data()), d.size()};
    }

    // Checks what `find . | cpio` wrote for the tree of SetUp.
    static void expect_tree(const std::vector<CpioEntry>& entries) {
        std::map<std::string, const CpioEntry*> by_name;
        for (const auto& e : entries) by_name[e.name] = &e;
        ASSERT_EQ(by_name.size(), entries.size()) << "duplicate names";
        for (const char* name :
             {".", "bin", "bin/sh", "etc", "etc/hostname", "etc/name", "init", "fifo", "empty"}) {
            ASSERT_TRUE(by_name.count(name)) << name;
        }
        EXPECT_EQ(entries.size(), 9u);
        EXPECT_EQ(by_name["."]->type, CpioType::directory);
        EXPECT_EQ(by_name["etc"]->type, CpioType::directory);
        EXPECT_EQ(by_name["etc"]->permissions(), 0700u);
        const CpioEntry& init = *by_name["init"];
        EXPECT_EQ(init.type, CpioType::regular);
        EXPECT_EQ(init.permissions(), 0755u);
        EXPECT_EQ(text(init.data), "#!/bin/sh\necho hello from init\n");
        EXPECT_EQ(init.uid, ::getuid());
        const CpioEntry& sh = *by_name["bin/sh"];
        EXPECT_EQ(sh.type, CpioType::symlink);
        EXPECT_EQ(text(sh.data), "../init");
        EXPECT_EQ(by_name["fifo"]->type, CpioType::fifo);
        EXPECT_TRUE(by_name["empty"]->data.empty());
        // Hard links: one inode, two names; GNU cpio stores the data with the last one.
        const CpioEntry& h = *by_name["etc/hostname"];
        const CpioEntry& n = *by_name["etc/name"];
        EXPECT_EQ(h.ino, n.ino);
        EXPECT_EQ(h.nlink, 2u);
        EXPECT_EQ(n.nlink, 2u);
        EXPECT_EQ(text(h.data) + text(n.data), "domus-guest\n");
    }

    std::string dir_, tree_;
};

TEST_F(RealCpio, NewcFromFindAndCpio) {
    const auto file = bytes(make_archive("newc", "rd.cpio"));
    auto entries = parse_cpio(file);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    expect_tree(*entries);
}

TEST_F(RealCpio, CrcFormatWithChecksums) {
    const auto file = bytes(make_archive("crc", "rd.crc"));
    ASSERT_GE(file.size(), 6u);
    EXPECT_EQ(text({file.data(), 6}), "070702");
    auto entries = parse_cpio(file);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    expect_tree(*entries);
    // One flipped data byte of /init: the checksum no longer matches.
    auto bad = file;
    const size_t at = text(file).find("hello from init");
    ASSERT_NE(at, std::string::npos);
    bad[at] = 'J';
    auto r = parse_cpio(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, ::testing::HasSubstr("entry \"init\""));
    EXPECT_THAT(r.error().message, ::testing::HasSubstr("does not match the byte sum"));
}

TEST_F(RealCpio, GzipOfTheArchiveDecodesToTheSameBytes) {
    const std::string plain = make_archive("newc", "rd.cpio");
    for (const char* level : {"-1", "-9"}) {
        const std::string gz = gzip(plain, level);
        auto r = load_initramfs(gz, 1 << 20);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(*r, bytes(plain)) << level;
    }
    auto direct = load_initramfs(plain, 1 << 20);
    ASSERT_TRUE(direct.ok()) << direct.error().message;
    EXPECT_EQ(*direct, bytes(plain));
}

TEST_F(RealCpio, ConcatenatedArchivesAndGzipMembers) {
    const std::string a = make_archive("newc", "a.cpio");
    const std::string b = make_archive("newc", "b.cpio");
    const std::string both = dir_ + "/both.cpio";
    const std::string cat = "cat '" + a + "' '" + b + "' > '" + both + "'";
    ASSERT_EQ(std::system(cat.c_str()), 0);
    auto entries = parse_cpio(bytes(both));
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    EXPECT_EQ(entries->size(), 18u);

    const std::string gz = dir_ + "/both.cpio.gz";
    const std::string cat_gz = "cat '" + gzip(a) + "' '" + gzip(b) + "' > '" + gz + "'";
    ASSERT_EQ(std::system(cat_gz.c_str()), 0);
    auto r = load_initramfs(gz, 1 << 20);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, bytes(both));
}

TEST_F(RealCpio, TruncatedGzipFromTheToolIsRefused) {
    const std::string gz = gzip(make_archive("newc", "rd.cpio"));
    auto full = bytes(gz);
    ASSERT_GT(full.size(), 30u);
    const std::string cut = dir_ + "/cut.gz";
    std::ofstream(cut, std::ios::binary)
        .write(reinterpret_cast<const char*>(full.data()), static_cast<long>(full.size() - 5));
    auto r = load_initramfs(cut, 1 << 20);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, ::testing::HasSubstr("ramdisk '" + cut + "': gzip: "));
}

}  // namespace
}  // namespace domus
