// boot/cpio_writer: archives it writes parse back (parse_cpio) entry for entry, GNU cpio reads
// them, and every name or value parse_cpio would refuse is refused when written.
#include "boot/cpio_writer.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "boot/cpio.hpp"
#include "boot/initramfs.hpp"

namespace domus {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string text(std::span<const uint8_t> b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(CpioWriter, RoundTripsThroughTheParser) {
    CpioWriter w;
    ASSERT_TRUE(w.add_directory("/bin", 0755));
    ASSERT_TRUE(w.add_file("bin/hello", 0755, bytes("hello\n"), {1000, 100, 42}));
    ASSERT_TRUE(w.add_symlink("./bin/sh", "hello"));
    ASSERT_TRUE(w.add_file("empty", 0600, {}));
    ASSERT_TRUE(w.add_directory("tmp", 01777));
    const std::string big(5000, 'x');
    ASSERT_TRUE(w.add_file("big", 0644, bytes(big)));
    auto archive = w.finish();
    ASSERT_TRUE(archive);
    EXPECT_EQ(archive->size() % 4, 0u);
    auto entries = parse_cpio(*archive);
    ASSERT_TRUE(entries) << entries.error().message;
    ASSERT_EQ(entries->size(), 6u);
    const auto& e = *entries;
    EXPECT_EQ(e[0].name, "bin");
    EXPECT_EQ(e[0].type, CpioType::directory);
    EXPECT_EQ(e[0].permissions(), 0755u);
    EXPECT_EQ(e[1].name, "bin/hello");
    EXPECT_EQ(e[1].type, CpioType::regular);
    EXPECT_EQ(e[1].mode, 0100755u);
    EXPECT_EQ(text(e[1].data), "hello\n");
    EXPECT_EQ(e[1].uid, 1000u);
    EXPECT_EQ(e[1].gid, 100u);
    EXPECT_EQ(e[1].mtime, 42u);
    EXPECT_EQ(e[2].name, "bin/sh");
    EXPECT_EQ(e[2].type, CpioType::symlink);
    EXPECT_EQ(text(e[2].data), "hello");
    EXPECT_EQ(e[3].name, "empty");
    EXPECT_TRUE(e[3].data.empty());
    EXPECT_EQ(e[4].permissions(), 01777u);
    EXPECT_EQ(text(e[5].data), big);
    // Distinct inode numbers: no entry is taken for a hard link of another.
    for (size_t i = 0; i < e.size(); ++i) {
        for (size_t j = 0; j < i; ++j) EXPECT_NE(e[i].ino, e[j].ino);
    }
    // What the monitor does with an initramfs accepts it too.
    EXPECT_TRUE(validate_initramfs(*archive, archive->size()));
}

TEST(CpioWriter, AnEmptyArchiveIsATrailer) {
    CpioWriter w;
    auto archive = w.finish();
    ASSERT_TRUE(archive);
    auto entries = parse_cpio(*archive);
    ASSERT_TRUE(entries) << entries.error().message;
    EXPECT_TRUE(entries->empty());
}

TEST(CpioWriter, FinishLeavesTheWriterEmptyForANewArchive) {
    CpioWriter w;
    ASSERT_TRUE(w.add_file("a", 0644, bytes("1")));
    ASSERT_TRUE(w.finish());
    EXPECT_EQ(w.size(), 0u);
    EXPECT_FALSE(w.contains("a"));
    ASSERT_TRUE(w.add_file("a", 0644, bytes("2")));
    auto second = w.finish();
    ASSERT_TRUE(second);
    auto entries = parse_cpio(*second);
    ASSERT_TRUE(entries);
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ(text((*entries)[0].data), "2");
}

TEST(CpioWriter, RefusesNamesTheParserWouldRefuse) {
    for (const char* name : {"a//b", "a/", "a/../b", "..", "a/./b", "TRAILER!!!"}) {
        CpioWriter w;
        auto st = w.add_file(name, 0644, {});
        ASSERT_FALSE(st) << name;
        EXPECT_NE(st.error().message.find("cpio entry"), std::string::npos) << name;
    }
    CpioWriter w;
    EXPECT_FALSE(w.add_file(std::string("a\0b", 3), 0644, {}));
    EXPECT_FALSE(w.add_file(std::string(4096, 'n'), 0644, {}));
    EXPECT_TRUE(w.add_file(std::string(4095, 'n'), 0644, {}));
    EXPECT_FALSE(w.add_file(".", 0644, {}));  // the root is a directory
    EXPECT_TRUE(w.add_directory(".", 0755));
}

TEST(CpioWriter, RefusesTheSameNameTwiceEvenSpelledDifferently) {
    CpioWriter w;
    ASSERT_TRUE(w.add_directory("bin", 0755));
    auto st = w.add_file("/bin", 0644, {});
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("given twice"), std::string::npos);
    EXPECT_FALSE(w.add_symlink("./bin", "x"));
    EXPECT_TRUE(w.contains("/bin"));
}

TEST(CpioWriter, RefusesBadModesAndSymlinkTargets) {
    CpioWriter w;
    EXPECT_FALSE(w.add_file("a", 010000, {}));
    EXPECT_FALSE(w.add_directory("d", 0100755));
    EXPECT_FALSE(w.add_symlink("l", ""));
    EXPECT_FALSE(w.add_symlink("l", std::string("a\0b", 3)));
    EXPECT_FALSE(w.add_symlink("l", std::string(4096, 't')));
    EXPECT_TRUE(w.add_symlink("l", std::string(4095, 't')));
    EXPECT_FALSE(w.contains("a"));
    auto archive = w.finish();
    ASSERT_TRUE(archive);
    auto entries = parse_cpio(*archive);
    ASSERT_TRUE(entries) << entries.error().message;
    EXPECT_EQ(entries->size(), 1u);  // only what was accepted
}

TEST(CpioWriter, RefusesAnArchiveLargerThanItsLimitWithRoomForTheTrailer) {
    CpioWriter w(1024);
    const std::string data(600, 'd');
    ASSERT_TRUE(w.add_file("a", 0644, bytes(data)));
    const uint64_t before = w.size();
    auto st = w.add_file("b", 0644, bytes(data));
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("larger than 1024 bytes"), std::string::npos)
        << st.error().message;
    EXPECT_EQ(w.size(), before);  // nothing written
    auto archive = w.finish();
    ASSERT_TRUE(archive);
    EXPECT_LE(archive->size(), 1024u);
    EXPECT_TRUE(parse_cpio(*archive));
}

// GNU cpio reads what the writer made: the files come out with their contents and modes.
TEST(CpioWriter, GnuCpioExtractsIt) {
    if (std::system("command -v cpio >/dev/null 2>&1") != 0) GTEST_SKIP() << "no cpio";
    CpioWriter w;
    ASSERT_TRUE(w.add_directory("etc", 0700));
    ASSERT_TRUE(w.add_file("etc/hostname", 0640, bytes("domus\n")));
    ASSERT_TRUE(w.add_symlink("name", "etc/hostname"));
    auto archive = w.finish();
    ASSERT_TRUE(archive);
    char tmpl[] = "/tmp/domus-cpio-writer-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    {
        std::ofstream out(dir + "/a.cpio", std::ios::binary);
        out.write(reinterpret_cast<const char*>(archive->data()),
                  static_cast<std::streamsize>(archive->size()));
    }
    const std::string cmd = "cd '" + dir + "' && mkdir x && cd x && cpio -id --quiet < ../a.cpio";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream in(dir + "/x/etc/hostname");
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), "domus\n");
    struct stat st {};
    ASSERT_EQ(::stat((dir + "/x/etc/hostname").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    ASSERT_EQ(::lstat((dir + "/x/name").c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(std::system(("rm -rf '" + dir + "'").c_str()), 0);
}

// A file that will be `bytes` long, as a descriptor (a memfd).
int memfd_with(const std::string& bytes) {
    const int fd = ::memfd_create("test", MFD_CLOEXEC);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    return fd;
}

std::vector<uint8_t> contents(int fd) {
    struct stat st {};
    EXPECT_EQ(::fstat(fd, &st), 0);
    std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
    EXPECT_EQ(::pread(fd, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
    return out;
}

// Streamed into a descriptor, with file data from descriptors, the archive is byte for byte
// the one built in memory.
TEST(CpioWriter, StreamedIntoAFileItIsTheSameArchive) {
    const std::string big(200 * 1024 + 3, 'b');  // beyond the staging buffer, odd length
    const int src_big = memfd_with(big);
    const int src_small = memfd_with("abc");
    auto fill = [&](CpioWriter& w) {
        ASSERT_TRUE(w.add_directory("bin", 0755));
        ASSERT_TRUE(w.add_file_from_fd("bin/big", 0755, src_big, big.size()));
        ASSERT_TRUE(w.add_symlink("bin/sh", "big"));
        ASSERT_TRUE(w.add_file_from_fd("small", 0600, src_small, 3));
        for (int i = 0; i < 3000; ++i) {  // more than one flush of headers
            ASSERT_TRUE(w.add_file("many/f" + std::to_string(i), 0644, bytes("x")));
        }
    };
    CpioWriter in_memory;
    fill(in_memory);
    auto expected = in_memory.finish();
    ASSERT_TRUE(expected);
    const int out = ::memfd_create("archive", MFD_CLOEXEC);
    ASSERT_GE(out, 0);
    CpioWriter streamed = CpioWriter::to_fd(out);
    fill(streamed);
    EXPECT_EQ(streamed.size(), expected->size() - 124);  // all but the trailer
    auto rest = streamed.finish();
    ASSERT_TRUE(rest);
    EXPECT_TRUE(rest->empty());
    EXPECT_TRUE(contents(out) == *expected);
    auto entries = parse_cpio(*expected);
    ASSERT_TRUE(entries) << entries.error().message;
    EXPECT_EQ(text((*entries)[1].data), big);
    ::close(out);
    ::close(src_big);
    ::close(src_small);
}

TEST(CpioWriter, AFileShorterThanAnnouncedBreaksTheArchive) {
    const int src = memfd_with("short");
    const int out = ::memfd_create("archive", MFD_CLOEXEC);
    CpioWriter streamed = CpioWriter::to_fd(out);
    auto st = streamed.add_file_from_fd("f", 0644, src, 100);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, Errc::io);
    EXPECT_NE(st.error().message.find("ended after 5 of 100 bytes"), std::string::npos)
        << st.error().message;
    EXPECT_FALSE(streamed.add_file("g", 0644, {}));
    EXPECT_FALSE(streamed.finish());
    CpioWriter in_memory;
    EXPECT_FALSE(in_memory.add_file_from_fd("f", 0644, src, 100));
    EXPECT_FALSE(in_memory.finish());
    ::close(src);
    ::close(out);
}

}  // namespace
}  // namespace domus
