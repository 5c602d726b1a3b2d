// getdents64: record layout, "." and "..", resumption from any returned offset while the
// directory changes, small buffers, rewinding, removed directories and large directories.
#include <algorithm>
#include <map>
#include <set>

#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

namespace dtype = linux_abi::dtype;

struct Record {
    uint64_t ino;
    int64_t off;
    uint8_t type;
    std::string name;
};

std::vector<Record> parse(const uint8_t* buf, int64_t n) {
    std::vector<Record> out;
    for (int64_t pos = 0; pos < n;) {
        Record r;
        uint16_t reclen;
        memcpy(&r.ino, buf + pos, 8);
        memcpy(&r.off, buf + pos + 8, 8);
        memcpy(&reclen, buf + pos + 16, 2);
        r.type = buf[pos + 18];
        r.name = reinterpret_cast<const char*>(buf + pos + 19);
        EXPECT_EQ(reclen % 8, 0);
        EXPECT_GE(reclen, 19 + r.name.size() + 1);
        out.push_back(r);
        pos += reclen;
    }
    return out;
}

using GuestFsGetdents = FsTest;

TEST_F(GuestFsGetdents, RecordsCarryInodeTypeAndNextOffset) {
    ASSERT_EQ(mkdir("d"), 0);
    ASSERT_EQ(put("d/file", ""), 0);
    ASSERT_EQ(mkdir("d/sub"), 0);
    ASSERT_EQ(symlink("x", "d/link"), 0);
    ASSERT_EQ(fs::vfs_mknod(root_, "d/chr", smode::IFCHR | 0600, 1, 3), 0);
    ASSERT_EQ(fs::vfs_mknod(root_, "d/fifo", smode::IFIFO | 0600, 0, 0), 0);
    FileRef d = open("d", oflag::RDONLY | oflag::DIRECTORY);
    uint8_t buf[4096];
    const int64_t n = fs::file_getdents64(d.get(), buf, sizeof buf);
    ASSERT_GT(n, 0);
    const auto recs = parse(buf, n);
    ASSERT_EQ(recs.size(), 7u);
    EXPECT_EQ(recs[0].name, ".");
    EXPECT_EQ(recs[0].ino, stat("d").st_ino);
    EXPECT_EQ(recs[0].type, dtype::DIR);
    EXPECT_EQ(recs[1].name, "..");
    EXPECT_EQ(recs[1].ino, stat("/").st_ino);
    std::map<std::string, uint8_t> types;
    for (const auto& r : recs) types[r.name] = r.type;
    EXPECT_EQ(types["file"], dtype::REG);
    EXPECT_EQ(types["sub"], dtype::DIR);
    EXPECT_EQ(types["link"], dtype::LNK);
    EXPECT_EQ(types["chr"], dtype::CHR);
    EXPECT_EQ(types["fifo"], dtype::FIFO);
    EXPECT_EQ(recs[2].ino, stat("d/" + recs[2].name, at::SYMLINK_NOFOLLOW).st_ino);
    for (size_t i = 1; i < recs.size(); ++i) EXPECT_LT(recs[i - 1].off, recs[i].off);
    EXPECT_EQ(fs::file_getdents64(d.get(), buf, sizeof buf), 0);  // the end
    EXPECT_EQ(fs::file_lseek(d.get(), 0, linux_abi::seek::CUR), recs.back().off);
}

TEST_F(GuestFsGetdents, RootDotDotIsTheRoot) {
    FileRef d = open("/", oflag::RDONLY);
    uint8_t buf[256];
    const auto recs = parse(buf, fs::file_getdents64(d.get(), buf, sizeof buf));
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_EQ(recs[1].ino, recs[0].ino);
}

TEST_F(GuestFsGetdents, TooSmallABufferIsEinvalAndLosesNothing) {
    ASSERT_EQ(put(std::string(200, 'n'), ""), 0);
    FileRef d = open("/", oflag::RDONLY);
    uint8_t buf[512];
    EXPECT_EQ(fs::file_getdents64(d.get(), buf, 10), -EINVAL);
    EXPECT_EQ(parse(buf, fs::file_getdents64(d.get(), buf, 24)).size(), 1u);  // "."
    EXPECT_EQ(parse(buf, fs::file_getdents64(d.get(), buf, 48)).size(), 1u);  // ".."
    EXPECT_EQ(fs::file_getdents64(d.get(), buf, 100), -EINVAL);
    const auto recs = parse(buf, fs::file_getdents64(d.get(), buf, sizeof buf));
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].name.size(), 200u);
}

TEST_F(GuestFsGetdents, SmallBuffersResumeWithoutDuplicatesOrGaps) {
    std::set<std::string> expected = {".", ".."};
    for (int i = 0; i < 100; ++i) {
        const std::string name = "entry" + std::to_string(i);
        ASSERT_EQ(put(name, ""), 0);
        expected.insert(name);
    }
    FileRef d = open("/", oflag::RDONLY);
    for (size_t buffer : {32, 64, 100, 1000}) {
        ASSERT_EQ(fs::file_lseek(d.get(), 0, linux_abi::seek::SET), 0);  // rewind
        const auto names = read_dir(d.get(), buffer);
        EXPECT_EQ(names.size(), expected.size()) << buffer;
        EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), expected) << buffer;
    }
}

TEST_F(GuestFsGetdents, OffsetsStayValidWhileEntriesComeAndGo) {
    for (int i = 0; i < 50; ++i) ASSERT_EQ(put("old" + std::to_string(i), ""), 0);
    FileRef d = open("/", oflag::RDONLY);
    uint8_t buf[160];
    std::vector<std::string> seen;
    int64_t n;
    int round = 0;
    while ((n = fs::file_getdents64(d.get(), buf, sizeof buf)) > 0) {
        for (const auto& r : parse(buf, n)) seen.push_back(r.name);
        // Between calls: remove an entry not yet read and one already read, add new ones.
        const int victim = 49 - round;
        if (victim > 25) {
            ASSERT_EQ(unlink("old" + std::to_string(victim)), 0);
            ASSERT_EQ(put("new" + std::to_string(round), ""), 0);
        }
        if (round < 10) (void)unlink("old" + std::to_string(round));
        ++round;
    }
    ASSERT_EQ(n, 0);
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), seen.size()) << "an entry was returned twice";
    // Every entry that existed from the first call to the last was returned.
    for (int i = 10; i <= 25; ++i) EXPECT_TRUE(unique.count("old" + std::to_string(i))) << i;
}

TEST_F(GuestFsGetdents, SeekingToAReturnedOffsetResumesThere) {
    for (const char* name : {"a", "b", "c", "d"}) ASSERT_EQ(put(name, ""), 0);
    FileRef d = open("/", oflag::RDONLY);
    uint8_t buf[4096];
    const auto all = parse(buf, fs::file_getdents64(d.get(), buf, sizeof buf));
    ASSERT_EQ(all.size(), 6u);
    ASSERT_EQ(fs::file_lseek(d.get(), all[3].off, linux_abi::seek::SET), all[3].off);
    auto rest = parse(buf, fs::file_getdents64(d.get(), buf, sizeof buf));
    ASSERT_EQ(rest.size(), 2u);
    EXPECT_EQ(rest[0].name, all[4].name);
    ASSERT_EQ(unlink(all[4].name), 0);  // the entry at the offset is gone: the next one
    ASSERT_EQ(fs::file_lseek(d.get(), all[3].off, linux_abi::seek::SET), all[3].off);
    rest = parse(buf, fs::file_getdents64(d.get(), buf, sizeof buf));
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].name, all[5].name);
    EXPECT_EQ(fs::file_lseek(d.get(), -1, linux_abi::seek::SET), -EINVAL);
    EXPECT_EQ(fs::file_lseek(d.get(), 0, linux_abi::seek::END), -EINVAL);
    EXPECT_EQ(fs::file_lseek(d.get(), 1, linux_abi::seek::SET), 1);
    EXPECT_EQ(parse(buf, fs::file_getdents64(d.get(), buf, sizeof buf))[0].name, "..");
}

TEST_F(GuestFsGetdents, RemovedDirectoryIsEnoent) {
    ASSERT_EQ(mkdir("gone"), 0);
    FileRef d = open("gone", oflag::RDONLY);
    ASSERT_EQ(rmdir("gone"), 0);
    uint8_t buf[256];
    EXPECT_EQ(fs::file_getdents64(d.get(), buf, sizeof buf), -ENOENT);
}

TEST_F(GuestFsGetdents, LargeDirectory) {
    constexpr int kCount = 5000;
    ASSERT_EQ(mkdir("big"), 0);
    for (int i = 0; i < kCount; ++i) ASSERT_EQ(put("big/f" + std::to_string(i), ""), 0);
    for (int i = 0; i < kCount; i += 7) EXPECT_EQ(lookup_err("big/f" + std::to_string(i)), 0);
    auto names = list("big");
    EXPECT_EQ(names.size(), size_t(kCount + 2));
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
    for (int i = 0; i < kCount; i += 2) ASSERT_EQ(unlink("big/f" + std::to_string(i)), 0);
    names = list("big");
    EXPECT_EQ(names.size(), size_t(kCount / 2 + 2));
    EXPECT_TRUE(std::find(names.begin(), names.end(), "f4999") != names.end());
    EXPECT_TRUE(std::find(names.begin(), names.end(), "f4998") == names.end());
    for (int i = 1; i < kCount; i += 2) ASSERT_EQ(unlink("big/f" + std::to_string(i)), 0);
    EXPECT_EQ(list("big").size(), 2u);
    EXPECT_EQ(rmdir("big"), 0);
}

}  // namespace
}  // namespace guest_fs_test
