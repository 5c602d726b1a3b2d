// cpio_unpack taking whole pages of file data over from the archive (what the guest does with
// the monitor's page-aligned initramfs) instead of copying them: the files read the same, the
// pages are the archive's own, tails and unaligned data are copied, hard links, replaced
// files and a refusing callback all work, and the archive's later reuse of freed pages does
// not disturb the second pass.
#include <stdlib.h>
#include <string.h>

#include <string>

#include "cpio_writer.hpp"
#include "fs/cpio_unpack.hpp"
#include "fs_fixture.hpp"

namespace guest_fs_test {
namespace {

constexpr size_t kPage = 4096;

bool adopt_all(void* page) {
    return adopt_page_for_test(page);
}
bool adopt_none(void*) {
    return false;
}

// The archive in page-aligned memory, shifted so that the data of `aligned` (unique in it)
// starts on a page boundary. Freed after the fixture's teardown (the files own its pages).
class GuestFsCpioAdopt : public FsTest {
  protected:
    ~GuestFsCpioAdopt() override { free(buffer_); }

    const uint8_t* place(const std::string& archive, const std::string& aligned) {
        const size_t at = archive.find(aligned);
        EXPECT_NE(at, std::string::npos);
        const size_t shift = (kPage - at % kPage) % kPage;
        size_ = archive.size();
        buffer_ =
            static_cast<uint8_t*>(aligned_alloc(kPage, (shift + size_ + kPage) & ~(kPage - 1)));
        memcpy(buffer_ + shift, archive.data(), size_);
        base_ = buffer_ + shift;
        return base_;
    }
    int unpack(fs::CpioAdoptPage adopt) {
        stats_ = {};
        return fs::cpio_unpack(root_, base_, size_, &stats_, adopt);
    }
    // The file's page `index` (nullptr for a hole).
    const void* page_of(const std::string& path, uint64_t index) {
        InodeRef inode = lookup(path);
        return inode ? fs::inode_get_page(inode.get(), index, false) : nullptr;
    }

    uint8_t* buffer_ = nullptr;
    const uint8_t* base_ = nullptr;
    size_t size_ = 0;
    fs::CpioStats stats_{};
};

uint32_t byte_sum(const std::string& s) {
    uint32_t sum = 0;
    for (unsigned char c : s) sum += c;
    return sum;
}

std::string pattern(size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = char((i * 131 + seed) >> 2);
    return s;
}

TEST_F(GuestFsCpioAdopt, WholeAlignedPagesAreTheArchivesOwnTheTailIsCopied) {
    const std::string big = pattern(3 * kPage + 123, 1), small = pattern(2 * kPage + 5, 2);
    CpioWriter w;
    w.file("bin/big", big, 0100755).file("small", small).file("tiny", "t").trailer();
    const uint8_t* base = place(w.bytes(), big);
    const uint8_t* big_data = base + w.bytes().find(big);
    ASSERT_EQ(unpack(adopt_all), 0);
    EXPECT_EQ(get("bin/big"), big);
    EXPECT_EQ(get("small"), small);  // not aligned: copied
    EXPECT_EQ(get("tiny"), "t");
    EXPECT_EQ(stat("bin/big").st_size, int64_t(big.size()));
    EXPECT_EQ(stats_.adopted_pages, 3u);
    EXPECT_EQ(adopted_live(), 3u);
    EXPECT_EQ(stats_.bytes, big.size() + small.size() + 1);
    for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(page_of("bin/big", i), big_data + i * kPage) << i;
    EXPECT_NE(page_of("bin/big", 3), big_data + 3 * kPage);  // the tail: a page of its own
    // Growing the file past its end reads zeros, not the archive bytes after the data.
    FileRef f = open("bin/big", oflag::WRONLY);
    ASSERT_TRUE(f);
    uint64_t end = 0;
    ASSERT_EQ(fs::inode_write(f->inode, "Z", 1, 4 * kPage - 1, false, &end), 1);
    const std::string grown = get("bin/big");
    EXPECT_EQ(grown.substr(0, big.size()), big);
    EXPECT_EQ(grown.substr(big.size(), 4 * kPage - 1 - big.size()),
              std::string(4 * kPage - 1 - big.size(), '\0'));
}

TEST_F(GuestFsCpioAdopt, ARefusingCallbackMeansCopies) {
    const std::string big = pattern(2 * kPage, 3);
    CpioWriter w;
    w.file("f", big).trailer();
    place(w.bytes(), big);
    ASSERT_EQ(unpack(adopt_none), 0);
    EXPECT_EQ(get("f"), big);
    EXPECT_EQ(stats_.adopted_pages, 0u);
    EXPECT_EQ(adopted_live(), 0u);
}

TEST_F(GuestFsCpioAdopt, HardLinksTakeTheLastLinksPages) {
    const std::string data = pattern(2 * kPage + 1, 4);
    CpioWriter w;
    w.add({.name = "l1", .data = "", .ino = 9, .nlink = 2});
    w.add({.name = "l2", .data = data, .ino = 9, .nlink = 2});
    w.trailer();
    place(w.bytes(), data);
    ASSERT_EQ(unpack(adopt_all), 0);
    EXPECT_EQ(get("l1"), data);
    EXPECT_EQ(stat("l1").st_ino, stat("l2").st_ino);
    EXPECT_EQ(stats_.adopted_pages, 2u);
}

TEST_F(GuestFsCpioAdopt, AReplacedFilesPagesAreFreedAndTheSecondPassIgnoresThem) {
    // "070702" archives carry data checksums. The first "f" is adopted, then replaced: its
    // pages are freed and scribbled on (the allocator reuses them) before the pass that sets
    // directory times reads the headers again. That pass must not check data sums any more.
    const std::string old_data = pattern(2 * kPage, 5);
    CpioWriter w;
    w.add({.name = "d/f", .data = old_data, .magic = "070702", .check = byte_sum(old_data)});
    w.add({.name = "d/f", .data = "new", .magic = "070702", .check = byte_sum("new")});
    w.add({.name = "d", .mode = 040755, .mtime = 77, .magic = "070702"});  // after them
    w.trailer();
    place(w.bytes(), old_data);
    ASSERT_EQ(unpack(adopt_all), 0);
    EXPECT_EQ(get("d/f"), "new");
    EXPECT_EQ(stats_.adopted_pages, 2u);
    EXPECT_EQ(adopted_live(), 0u);  // freed with the replaced file
    EXPECT_EQ(stat("d").st_mtim.tv_sec, 77);
}

}  // namespace
}  // namespace guest_fs_test
