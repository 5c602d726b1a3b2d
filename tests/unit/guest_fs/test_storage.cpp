// File data in pages: sparse files, truncation, the page array, get_page, the size limit and
// running out of memory.
#include "fs/page_array.hpp"
#include "mm/kheap.hpp"

#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

using GuestFsStorage = FsTest;

TEST_F(GuestFsStorage, SparseFilesReadZerosInTheirHoles) {
    const size_t pages = live_pages();
    FileRef f = open("sparse", oflag::RDWR | oflag::CREAT);
    const int64_t far = int64_t(1) << 40;  // 1 TiB
    EXPECT_EQ(fs::file_pwrite(f.get(), "end", 3, far), 3);
    EXPECT_EQ(stat("sparse").st_size, far + 3);
    EXPECT_EQ(stat("sparse").st_blocks, 8);  // one 4 KiB page of data
    EXPECT_LE(live_pages() - pages, 6u);     // plus the nodes of a 4-level tree
    char buf[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    EXPECT_EQ(fs::file_pread(f.get(), buf, 8, 12345), 8);
    EXPECT_EQ(std::string(buf, 8), std::string(8, '\0'));
    EXPECT_EQ(fs::file_pread(f.get(), buf, 8, far - 2), 5);
    EXPECT_EQ(std::string(buf, 5), std::string("\0\0end", 5));
    EXPECT_EQ(fs::file_truncate(f.get(), 0), 0);
    EXPECT_EQ(live_pages(), pages);
}

TEST_F(GuestFsStorage, TruncateShrinksFreesAndGrowsWithZeros) {
    const size_t pages = live_pages();
    FileRef f = open("t", oflag::RDWR | oflag::CREAT);
    std::string data(10 * 4096, 'x');
    ASSERT_EQ(fs::file_write(f.get(), data.data(), data.size()), int64_t(data.size()));
    EXPECT_EQ(stat("t").st_blocks, 80);
    EXPECT_EQ(live_pages() - pages, 11u);  // 10 pages and a leaf node
    ASSERT_EQ(fs::file_truncate(f.get(), 4096 + 10), 0);
    EXPECT_EQ(stat("t").st_blocks, 16);
    EXPECT_EQ(live_pages() - pages, 3u);
    ASSERT_EQ(fs::file_truncate(f.get(), 3 * 4096), 0);  // grows with zeros, no pages
    EXPECT_EQ(stat("t").st_blocks, 16);
    EXPECT_EQ(get("t"), std::string(4096 + 10, 'x') + std::string(2 * 4096 - 10, '\0'));
    ASSERT_EQ(fs::file_truncate(f.get(), 5), 0);  // a single page: no node above it
    EXPECT_EQ(live_pages() - pages, 1u);
    ASSERT_EQ(fs::file_truncate(f.get(), 0), 0);
    EXPECT_EQ(live_pages(), pages);
    EXPECT_EQ(fs::vfs_truncate(root_, "t", 7), 0);
    EXPECT_EQ(get("t"), std::string(7, '\0'));
    ASSERT_EQ(mkdir("d"), 0);
    EXPECT_EQ(fs::vfs_truncate(root_, "d", 0), -EISDIR);
    EXPECT_EQ(fs::vfs_truncate(root_, "t", -1), -EINVAL);
    EXPECT_EQ(fs::vfs_truncate(root_, "missing", 0), -ENOENT);
    EXPECT_EQ(stat("t").st_mtim.tv_sec, 1'700'000'000);
}

TEST_F(GuestFsStorage, GetPageSharesTheFilesData) {
    ASSERT_EQ(put("m", std::string(4096, 'a') + "bcd"), 0);
    InodeRef inode = lookup("m");
    auto* page1 = static_cast<char*>(fs::inode_get_page(inode.get(), 1, false));
    ASSERT_NE(page1, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(page1) % 4096, 0u);
    EXPECT_EQ(std::string(page1, 3), "bcd");
    page1[0] = 'B';  // what a shared mapping would do
    EXPECT_EQ(get("m").substr(4096), "Bcd");
    EXPECT_EQ(fs::inode_get_page(inode.get(), 7, false), nullptr);  // a hole
    void* created = fs::inode_get_page(inode.get(), 7, true);
    ASSERT_NE(created, nullptr);
    EXPECT_EQ(fs::inode_get_page(inode.get(), 7, false), created);
    EXPECT_EQ(stat("m").st_blocks, 24);
    InodeRef root = lookup("/");
    EXPECT_EQ(fs::inode_get_page(root.get(), 0, true), nullptr);
}

TEST_F(GuestFsStorage, WritesStopAtTheMaximumFileSize) {
    FileRef f = open("big", oflag::RDWR | oflag::CREAT);
    EXPECT_EQ(fs::file_pwrite(f.get(), "xy", 2, INT64_MAX), -EFBIG);
    EXPECT_EQ(fs::file_pwrite(f.get(), "xy", 2, INT64_MAX - 1), 1);  // up to the limit
    EXPECT_EQ(stat("big").st_size, INT64_MAX);
    EXPECT_EQ(fs::file_truncate(f.get(), 0), 0);
}

TEST_F(GuestFsStorage, OutOfMemoryGivesShortWritesThenEnospc) {
    FileRef f = open("oom", oflag::RDWR | oflag::CREAT);
    std::string data(8 * 4096, 'o');
    fail_after(4);  // the leaf node and three pages
    EXPECT_EQ(fs::file_write(f.get(), data.data(), data.size()), 3 * 4096);
    EXPECT_EQ(fs::file_write(f.get(), data.data(), data.size()), -ENOSPC);
    fail_never();
    EXPECT_EQ(stat("oom").st_size, 3 * 4096);
    EXPECT_EQ(get("oom"), std::string(3 * 4096, 'o'));
}

TEST_F(GuestFsStorage, OutOfMemoryWhileCreatingLeavesNoTrace) {
    for (size_t budget = 0; budget < 4; ++budget) {
        fail_after(budget);
        const int mk = mkdir("d" + std::to_string(budget));
        const int sym = symlink("target", "s" + std::to_string(budget));
        fail_never();
        EXPECT_TRUE(mk == 0 || mk == -ENOMEM) << mk;
        EXPECT_TRUE(sym == 0 || sym == -ENOMEM) << sym;
        if (mk < 0) {
            EXPECT_EQ(lookup_err("d" + std::to_string(budget)), -ENOENT);
        }
    }
    EXPECT_GE(list("/").size(), 2u);
}

TEST(GuestFsPageArray, GrowsAndShrinksItsHeight) {
    fs::PageArray array{};
    const size_t pages = live_pages();
    EXPECT_EQ(fs::page_array_lookup(&array, 0), nullptr);
    void* p0 = fs::page_array_get_or_create(&array, 0);
    ASSERT_NE(p0, nullptr);
    EXPECT_EQ(array.height, 0u);  // a single page 0 needs no node
    EXPECT_EQ(live_pages() - pages, 1u);
    void* big = fs::page_array_get_or_create(&array, 512 * 512 + 3);
    ASSERT_NE(big, nullptr);
    EXPECT_EQ(array.height, 3u);
    EXPECT_EQ(fs::page_array_lookup(&array, 0), p0);
    EXPECT_EQ(fs::page_array_lookup(&array, 512 * 512 + 3), big);
    EXPECT_EQ(fs::page_array_lookup(&array, 512 * 512 + 2), nullptr);
    EXPECT_EQ(fs::page_array_lookup(&array, uint64_t(1) << 50), nullptr);
    EXPECT_EQ(array.pages, 2u);
    fs::page_array_truncate(&array, 1);  // drops the far page and the levels it needed
    EXPECT_EQ(array.height, 0u);
    EXPECT_EQ(array.root, p0);
    EXPECT_EQ(live_pages() - pages, 1u);
    void* last = fs::page_array_get_or_create(&array, (uint64_t(1) << 51) - 1);
    ASSERT_NE(last, nullptr);
    EXPECT_EQ(array.height, 6u);
    fs::page_array_truncate(&array, 0);
    EXPECT_EQ(array.root, nullptr);
    EXPECT_EQ(array.pages, 0u);
    EXPECT_EQ(live_pages(), pages);
}

TEST(GuestFsPageArray, InsertTakesAPageIntoAHoleOnly) {
    fs::PageArray array{};
    const size_t pages = live_pages();
    alignas(4096) static uint8_t donated[2][4096];
    ASSERT_TRUE(adopt_page_for_test(donated[0]));
    ASSERT_TRUE(adopt_page_for_test(donated[1]));
    ASSERT_TRUE(fs::page_array_insert(&array, 700, donated[0]));  // builds the node above it
    EXPECT_EQ(array.height, 2u);
    EXPECT_EQ(fs::page_array_lookup(&array, 700), donated[0]);
    EXPECT_EQ(array.pages, 1u);
    EXPECT_FALSE(fs::page_array_insert(&array, 700, donated[1]));                // taken: refused
    EXPECT_FALSE(fs::page_array_insert(&array, uint64_t(1) << 54, donated[1]));  // past 6 levels
    EXPECT_EQ(array.pages, 1u);
    fail_after(0);  // no memory for the nodes page 512 * 512 needs
    EXPECT_FALSE(fs::page_array_insert(&array, 512 * 512, donated[1]));
    fail_never();
    EXPECT_EQ(fs::page_array_lookup(&array, 512 * 512), nullptr);
    fs::page_array_truncate(&array, 0);  // frees the inserted page like any other
    EXPECT_EQ(adopted_live(), 1u);       // donated[1] was never taken
    page_free(donated[1]);
    EXPECT_EQ(adopted_live(), 0u);
    EXPECT_EQ(live_pages(), pages);
}

}  // namespace
}  // namespace guest_fs_test
