// Several threads using one tree at once (the guest's vCPUs): creating, renaming, unlinking,
// listing and reading in the same directories. Checks that the locking neither deadlocks nor
// loses references (ASan/UBSan in the debug preset; the leak check of the fixture).
#include <atomic>
#include <thread>

#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

using GuestFsConcurrency = FsTest;

TEST_F(GuestFsConcurrency, CreateRenameUnlinkListAndReadTogether) {
    ASSERT_EQ(mkdir("a"), 0);
    ASSERT_EQ(mkdir("b"), 0);
    ASSERT_EQ(mkdir("a/sub"), 0);
    ASSERT_EQ(put("a/sub/file", "moving"), 0);
    constexpr int kRounds = 10000;
    std::atomic<bool> failed{false};
    auto expect = [&](bool ok) {
        if (!ok) failed = true;
    };
    std::thread creator([&] {
        for (int i = 0; i < kRounds; ++i) {
            const std::string name = "a/c" + std::to_string(i % 50);
            const int err = put(name, std::string(100 + i % 5000, 'c'));
            expect(err == 0 || err == -ENOENT);  // renamed away in between
            const int u = unlink("a/c" + std::to_string((i + 25) % 50));
            expect(u == 0 || u == -ENOENT);
        }
    });
    std::thread mover([&] {
        for (int i = 0; i < kRounds; ++i) {
            const std::string from = (i % 2 ? "a/c" : "b/c") + std::to_string(i % 50);
            const std::string to = (i % 2 ? "b/c" : "a/c") + std::to_string(i % 50);
            const int err = rename(from, to);
            expect(err == 0 || err == -ENOENT);
            const int d = rename(i % 2 ? "a/sub" : "b/sub", i % 2 ? "b/sub" : "a/sub");
            expect(d == 0 || d == -ENOENT);
        }
    });
    std::thread lister([&] {
        for (int i = 0; i < kRounds / 10; ++i) {
            for (const char* dir : {"/", "a", "b"}) {
                int err = 0;
                FileRef d = open(dir, oflag::RDONLY | oflag::DIRECTORY, 0, &err);
                expect(d != nullptr || err == -ENOENT);
                if (d) read_dir(d.get(), 256);
            }
        }
    });
    std::thread reader([&] {
        char buf[512];
        for (int i = 0; i < kRounds; ++i) {
            int err = 0;
            FileRef f = open("a/c" + std::to_string(i % 50), oflag::RDONLY, 0, &err);
            expect(f != nullptr || err == -ENOENT);
            if (f) {
                while (fs::file_read(f.get(), buf, sizeof buf) > 0) {
                }
            }
            linux_abi::stat st;
            fs::vfs_stat(root_, "b/c7", 0, &st);
            const std::string moving = get(i % 2 ? "a/sub/file" : "b/sub/file");
            expect(moving == "moving" || moving == "<errno 2>");
        }
    });
    creator.join();
    mover.join();
    lister.join();
    reader.join();
    EXPECT_FALSE(failed);
}

}  // namespace
}  // namespace guest_fs_test
