// ext2 on virtio-blk in real domains, judged by the host's e2fsprogs: images made by
// `mke2fs -d` read back byte for byte, a tree of a few thousand files walked and copied by
// busybox (find, sha256sum, cp -a, tar), every kind of change checked with `e2fsck -fn` and
// `debugfs`, fsync surviving the monitor's death, a disk as the root file system, and images
// damaged on purpose.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "guest_expect.hpp"
#include "guest_runner.hpp"
#include "process.hpp"

namespace domus::test::guest {
namespace {

// `size` bytes from a 64-bit Mersenne Twister seeded with `seed` (a file whose every page
// differs, the same from run to run).
std::string random_bytes(size_t size, uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::string bytes(size, '\0');
    for (size_t i = 0; i + 8 <= bytes.size(); i += 8) {
        const uint64_t x = gen();
        std::memcpy(&bytes[i], &x, 8);
    }
    return bytes;
}

std::string e2prog(const char* name) {
    for (const char* dir : {"/sbin/", "/usr/sbin/"}) {
        const std::string p = std::string(dir) + name;
        if (::access(p.c_str(), X_OK) == 0) return p;
    }
    return name;
}

#define REQUIRE_E2FSPROGS()                                                            \
    do {                                                                               \
        if (::access(e2prog("mke2fs").c_str(), X_OK) != 0)                             \
            GTEST_SKIP() << "mke2fs is missing: scripts/bootstrap installs e2fsprogs"; \
    } while (0)

// mke2fs -t ext2 [-b block] -d tree image size
void make_image(const std::string& image, const std::string& tree, const std::string& size,
                const std::string& block = "4096") {
    const HostResult h =
        run_host(e2prog("mke2fs"),
                 {"mke2fs", "-q", "-F", "-t", "ext2", "-b", block, "-d", tree, image, size}, {});
    ASSERT_EQ(h.exit_code, 0) << h.out;
}

// e2fsck -fn: 0 when the file system is clean.
HostResult fsck(const std::string& image) {
    return run_host(e2prog("e2fsck"), {"e2fsck", "-fn", image}, {});
}

// debugfs's answer on standard output (its banner on standard error is dropped).
std::string debugfs(const std::string& image, const std::string& request) {
    return run_host("/bin/sh",
                    {"sh", "-c", "exec \"$0\" -R \"$1\" \"$2\" 2>/dev/null", e2prog("debugfs"),
                     request, image},
                    {})
        .out;
}

// An image of `size` in `dir` holding one 5000-byte file, /small; its path.
std::string small_image(const TempDir& dir, const std::string& size) {
    const std::string tree = dir.path() + "/tree", image = dir.path() + "/fs.img";
    ::mkdir(tree.c_str(), 0755);
    write_file(tree + "/small", std::string(5000, 's'));
    make_image(image, tree, size);
    return image;
}

// A tree of `files` files (0..12 KiB, some empty, a few of 300 KiB) in nested directories,
// with a symlink and a hard link; deterministic.
void make_tree(const std::string& root, int files) {
    std::mt19937 gen(1234);
    ::mkdir(root.c_str(), 0755);
    for (int i = 0; i < files; ++i) {
        const std::string dir = root + "/d" + std::to_string(i % 37);
        ::mkdir(dir.c_str(), 0755);
        const std::string sub = dir + "/s" + std::to_string(i % 5);
        ::mkdir(sub.c_str(), 0750);
        size_t size = gen() % 12288;
        if (i % 500 == 7) size = 300 * 1024;
        if (i % 97 == 0) size = 0;
        std::string bytes(size, '\0');
        for (auto& c : bytes) c = char(gen());
        write_file(sub + "/f" + std::to_string(i), bytes);
    }
    ::symlink("d1/s1/f1", (root + "/link").c_str());
    ::link((root + "/d2/s2/f2").c_str(), (root + "/hard").c_str());
}

// "sha256  ./path" lines of every regular file under `dir` on the host, sorted by path.
std::vector<std::string> host_sums(const std::string& dir) {
    const HostResult h = run_host(
        "/bin/sh",
        {"sh", "-c", "cd '" + dir + "' && find . -type f | LC_ALL=C sort | xargs sha256sum"}, {});
    return split_lines(h.out);
}

TEST(GuestExt2, ATreeOfThousandsOfFilesReadsBackAndCopies) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    REQUIRE_E2FSPROGS();
    TempDir dir;
    const std::string tree = dir.path() + "/tree", image = dir.path() + "/fs.img";
    make_tree(tree, 3000);
    make_image(image, tree, "128M");
    // The same listing in the guest (busybox find/sort/xargs/sha256sum), then copies made by
    // cp -a and tar inside the disk, compared there.
    GuestOptions o = boot(
        "init=/bin/sh -- -c 'mkdir -p /mnt && mount -t ext2 /dev/vda /mnt && cd /mnt && "
        "find . -type f | LC_ALL=C sort | xargs sha256sum > /tmp/sums && cat /tmp/sums && "
        "cp -a d1 copy && tar cf /mnt/t.tar d2 && mkdir untar && tar xf t.tar -C untar && "
        "(cd d1 && find . -type f | LC_ALL=C sort | xargs sha256sum) > /tmp/a && "
        "(cd copy && find . -type f | LC_ALL=C sort | xargs sha256sum) > /tmp/b && "
        "cmp /tmp/a /tmp/b && echo copy-same && "
        "(cd d2 && find . | LC_ALL=C sort) > /tmp/c && (cd untar/d2 && find . | LC_ALL=C sort) "
        "> /tmp/d && cmp /tmp/c /tmp/d && echo tar-same && cd / && umount /mnt && echo done'",
        1, 256, 120);
    o.disks = {image};
    const GuestResult g = run_guest(o);
    expect_kernel_healthy(g);
    const std::vector<std::string> want = host_sums(tree);
    ASSERT_GE(want.size(), 3000u);
    ASSERT_GE(g.lines.size(), want.size() + 3) << context(g);
    for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(g.lines[i], want[i]) << "line " << i;
    }
    EXPECT_TRUE(contains(g.lines, "copy-same")) << context(g);
    EXPECT_TRUE(contains(g.lines, "tar-same")) << context(g);
    EXPECT_TRUE(contains(g.lines, "done")) << context(g);
    const HostResult f = fsck(image);
    EXPECT_EQ(f.exit_code, 0) << f.out;
}

// In a domain that has used its memory, the page cache keeps a file read in memory after it is
// closed (Cached in /proc/meminfo grows by its size), a program that then wants all the memory gets
// it back from the cache (the cache shrinks; the program runs into its limit as it would without a
// cache, and the kernel still gives memory and processes after it), and the file still reads back
// exact.
TEST(GuestExt2, CachedFilesGiveWayToProgramsAndReadBackExact) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    REQUIRE_E2FSPROGS();
    TempDir dir;
    const std::string tree = dir.path() + "/tree", image = dir.path() + "/fs.img";
    ::mkdir(tree.c_str(), 0755);
    const std::string bytes = random_bytes(40u << 20, 99);
    write_file(tree + "/big", bytes);
    make_image(image, tree, "64M");
    const std::string cached = "grep Cached: /proc/meminfo | grep -v Swap";
    // The first hog leaves the domain's memory used once: the cache only grows into such
    // memory (a fresh page costs a host fault on first touch).
    GuestOptions o = boot(
        "init=/bin/sh -- -c 'mkdir -p /m && mount -t ext2 -o ro /dev/vda /m && "
        "/bin/faults-musl alloc-mmap > /dev/null && " +
            cached + " && sha256sum /m/big && " + cached +
            " && sha256sum /m/big && /bin/faults-musl alloc-mmap && " + cached +
            " && sha256sum /m/big && umount /m && echo done'",
        1, 128, 120);
    o.disks = {image};
    const GuestResult g = run_guest(o);
    expect_kernel_healthy(g);
    const HostResult sum = run_host("/usr/bin/sha256sum", {"sha256sum", tree + "/big"}, {});
    ASSERT_EQ(sum.exit_code, 0);
    const std::string want = sum.out.substr(0, 64);
    std::vector<uint64_t> kib;
    int sums = 0;
    for (const std::string& l : g.lines) {
        if (l.rfind("Cached:", 0) == 0) kib.push_back(std::strtoull(l.c_str() + 7, nullptr, 10));
        if (l.size() >= 64 && l.find("/m/big") != std::string::npos) {
            EXPECT_EQ(l.substr(0, 64), want) << context(g);
            ++sums;
        }
    }
    EXPECT_EQ(sums, 3) << context(g);
    ASSERT_EQ(kib.size(), 3u) << context(g);
    EXPECT_GE(kib[1], kib[0] + 36 * 1024) << context(g);  // the 40 MiB file stayed cached
    EXPECT_LE(kib[2], kib[1] - 32 * 1024) << context(g);  // and gave way to the program
    const std::string hog = parse_outcomes(g.lines)["alloc-mmap"];
    EXPECT_TRUE(hog == "ENOMEM" || hog == "SIGKILL") << hog << context(g);
    EXPECT_TRUE(contains(g.lines, "after: 16 MiB ok, fork ok")) << context(g);
    EXPECT_TRUE(contains(g.lines, "done")) << context(g);
}

// Reads of 1 MiB in order go through the read-ahead (the next run read while this one is
// copied): in a fresh domain its runs are let go, in one that has used its memory they join the
// cache (Cached grows by the file's size, the 128 MiB domain keeping 8 MiB free), and every byte
// read is the file's: the whole file, then a slice from the middle, compared with the host.
TEST(GuestExt2, ReadsInOrderAreReadAheadAndReadBackExact) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    REQUIRE_E2FSPROGS();
    TempDir dir;
    const std::string tree = dir.path() + "/tree", image = dir.path() + "/fs.img";
    ::mkdir(tree.c_str(), 0755);
    const std::string bytes = random_bytes(40u << 20, 7);
    write_file(tree + "/big", bytes);
    write_file(dir.path() + "/slice", bytes.substr(7u << 20, 9u << 20));
    make_image(image, tree, "64M");
    const std::string cached = "grep Cached: /proc/meminfo | grep -v Swap";
    const std::string whole = "dd if=/m/big bs=1M 2>/dev/null | sha256sum";
    GuestOptions o = boot("init=/bin/sh -- -c 'mkdir -p /m && mount -t ext2 -o ro /dev/vda /m && " +
                              cached + " && " + whole + " && " + cached +
                              " && dd if=/dev/zero of=/dev/null bs=90M count=1 && " + whole +
                              " && " + cached + " && " + whole +
                              " && dd if=/m/big bs=1M skip=7 count=9 2>/dev/null | sha256sum && "
                              "umount /m && echo done'",
                          1, 128, 120);
    o.disks = {image};
    const GuestResult g = run_guest(o);
    expect_kernel_healthy(g);
    auto host_sum = [](const std::string& path) {
        const HostResult r = run_host("/usr/bin/sha256sum", {"sha256sum", path}, {});
        EXPECT_EQ(r.exit_code, 0);
        return r.out.substr(0, 64);
    };
    const std::string want = host_sum(tree + "/big"), slice = host_sum(dir.path() + "/slice");
    std::vector<std::string> sums;
    std::vector<uint64_t> kib;
    for (const std::string& l : g.lines) {
        if (l.rfind("Cached:", 0) == 0) kib.push_back(std::strtoull(l.c_str() + 7, nullptr, 10));
        if (l.size() >= 66 && l.find("  -") == 64) sums.push_back(l.substr(0, 64));
    }
    ASSERT_EQ(sums.size(), 4u) << context(g);
    EXPECT_EQ(sums[0], want) << "fresh domain, runs let go\n" << context(g);
    EXPECT_EQ(sums[1], want) << "runs joining the cache\n" << context(g);
    EXPECT_EQ(sums[2], want) << "from the cache\n" << context(g);
    EXPECT_EQ(sums[3], slice) << "a slice from the middle\n" << context(g);
    ASSERT_EQ(kib.size(), 3u) << context(g);
    EXPECT_LT(kib[1], kib[0] + 4 * 1024) << context(g);   // the fresh domain kept ~nothing
    EXPECT_GE(kib[2], kib[1] + 36 * 1024) << context(g);  // the runs read ahead stayed
    EXPECT_TRUE(contains(g.lines, "done")) << context(g);
}

// Blocks are allocated next to the file's last one: a file appended to after a hole opened
// before it (a file removed) still lies in one run, the hole stays free (the old allocator took
// the first free block of the group), and the image stays clean.
TEST(GuestExt2, AFileWrittenInOrderGetsConsecutiveBlocks) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    REQUIRE_E2FSPROGS();
    TempDir dir;
    const std::string image = small_image(dir, "64M");
    GuestOptions o = boot(
        "init=/bin/sh -- -c 'mkdir -p /m && mount -t ext2 /dev/vda /m && "
        "dd if=/dev/zero of=/m/gap bs=4096 count=3 2>/dev/null && "
        "dd if=/dev/urandom of=/m/big bs=64K count=64 2>/dev/null && sync && rm /m/gap && "
        "dd if=/dev/urandom of=/m/big bs=64K count=64 seek=64 conv=notrunc 2>/dev/null && "
        "umount /m && echo done'",
        1, 128, 60);
    o.disks = {image};
    const GuestResult g = run_guest(o);
    expect_kernel_healthy(g);
    ASSERT_TRUE(contains(g.lines, "done")) << context(g);
    const HostResult f = fsck(image);
    EXPECT_EQ(f.exit_code, 0) << f.out;
    std::istringstream in(debugfs(image, "blocks /big"));
    std::vector<uint64_t> blocks;
    for (uint64_t b = 0; in >> b;) blocks.push_back(b);
    ASSERT_EQ(blocks.size(), 2051u);  // 8 MiB of 4 KiB blocks and its 3 indirect blocks
    int breaks = 0;
    for (size_t i = 1; i < blocks.size(); ++i) breaks += blocks[i] != blocks[i - 1] + 1;
    EXPECT_EQ(breaks, 0) << debugfs(image, "blocks /big");
}

// Writes the disk takes behind the writer (asynchronous write-back; whole pages handed over as
// they are) read back at once, are rewritten in place, and land in freed blocks taken again,
// all in the order made: the guest's sums, taken before any sync, are those of the files
// debugfs finds in the image after umount, and e2fsck finds it clean.
TEST(GuestExt2, WritesBehindTheWriterReadBackAndLandInOrder) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    REQUIRE_E2FSPROGS();
    TempDir dir;
    const std::string image = small_image(dir, "128M");
    GuestOptions o = boot(
        "init=/bin/sh -- -c 'mkdir -p /m && mount -t ext2 /dev/vda /m && cd /m && "
        "dd if=/dev/urandom of=a bs=1M count=24 2>/dev/null && sha256sum a && "
        "dd if=/dev/urandom of=a bs=64K count=64 seek=37 conv=notrunc 2>/dev/null && "
        "sha256sum a && dd if=/dev/urandom of=b bs=1M count=16 2>/dev/null && rm b && "
        "dd if=/dev/urandom of=c bs=1M count=16 2>/dev/null && sha256sum c && "
        "dd if=/dev/urandom of=d bs=3000 count=3000 2>/dev/null && sha256sum d && "
        "cd / && umount /m && echo done'",
        1, 256, 60);
    o.disks = {image};
    const GuestResult g = run_guest(o);
    expect_kernel_healthy(g);
    ASSERT_TRUE(contains(g.lines, "done")) << context(g);
    std::vector<std::string> sums;  // a (written), a (rewritten), c, d
    for (const std::string& line : g.lines) {
        if (line.size() > 66 && line.compare(64, 2, "  ") == 0) sums.push_back(line.substr(0, 64));
    }
    ASSERT_EQ(sums.size(), 4u) << context(g);
    EXPECT_NE(sums[0], sums[1]);
    const std::vector<std::pair<std::string, std::string>> files = {
        {"a", sums[1]}, {"c", sums[2]}, {"d", sums[3]}};
    for (const auto& [name, sum] : files) {
        const std::string out = dir.path() + "/" + name;
        (void)debugfs(image, "dump /" + name + " " + out);
        const HostResult h = run_host("/usr/bin/sha256sum", {"sha256sum", out}, {});
        EXPECT_EQ(h.out.substr(0, 64), sum) << name;
    }
    const HostResult f = fsck(image);
    EXPECT_EQ(f.exit_code, 0) << f.out;
}

TEST(GuestExt2, EveryKindOfChangeIsCleanForE2fsckAndSeenByDebugfs) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    REQUIRE_E2FSPROGS();
    for (const char* block : {"1024", "4096"}) {
        SCOPED_TRACE(std::string("block size ") + block);
        TempDir dir;
        const std::string tree = dir.path() + "/tree", image = dir.path() + "/fs.img";
        ::mkdir(tree.c_str(), 0755);
        write_file(tree + "/keep", "kept\n");
        write_file(tree + "/gone", "to be removed\n");
        write_file(tree + "/shrink", std::string(100000, 's'));
        make_image(image, tree, "32M", block);
        GuestOptions o = boot(
            "init=/bin/sh -- -c 'mkdir -p /m && mount -t ext2 /dev/vda /m && cd /m && "
            "echo created > new && mkdir -p a/b/c && echo deep > a/b/c/file && "
            "ln -s a/b/c/file sym && ln -s " +
            std::string(100, 'x') +
            " longsym && ln new hardlink && chmod 640 new && rm gone && "
            "mv keep a/b/moved && truncate -s 5000 shrink && "
            "dd if=/dev/zero of=sparse bs=1 count=1 seek=5000000 2>/dev/null && "
            "rmdir a/b/c 2>/dev/null; echo rmdir=$? && "
            "dd if=/dev/urandom of=rand bs=65536 count=20 2>/dev/null && sha256sum rand && "
            "sync && cd / && umount /m && echo ok'");
        o.disks = {image};
        const GuestResult g = run_guest(o);
        expect_kernel_healthy(g);
        ASSERT_TRUE(contains(g.lines, "ok")) << context(g);
        EXPECT_TRUE(contains(g.lines, "rmdir=1")) << context(g);  // not empty
        const HostResult f = fsck(image);
        EXPECT_EQ(f.exit_code, 0) << f.out;
        EXPECT_EQ(debugfs(image, "cat /new"), "created\n");
        EXPECT_EQ(debugfs(image, "cat /hardlink"), "created\n");
        EXPECT_EQ(debugfs(image, "cat /a/b/c/file"), "deep\n");
        EXPECT_EQ(debugfs(image, "cat /a/b/moved"), "kept\n");
        EXPECT_EQ(debugfs(image, "cat /shrink"), std::string(5000, 's'));
        const std::string new_stat = debugfs(image, "stat /new");
        EXPECT_NE(new_stat.find("Links: 2"), std::string::npos) << new_stat;
        EXPECT_NE(new_stat.find("Mode:  0640"), std::string::npos) << new_stat;
        EXPECT_NE(debugfs(image, "stat /sym").find("Fast link dest: \"a/b/c/file\""),
                  std::string::npos);
        EXPECT_NE(debugfs(image, "stat /longsym").find("Size: 100"), std::string::npos);
        const std::string sparse = debugfs(image, "stat /sparse");
        EXPECT_NE(sparse.find("Size: 5000001"), std::string::npos) << sparse;
        EXPECT_EQ(debugfs(image, "stat /gone").find("Inode:"), std::string::npos);
        // The random file's bytes as the guest hashed them.
        const std::string rand = debugfs(image, "cat /rand");
        const std::string path = dir.path() + "/rand";
        write_file(path, rand);
        const HostResult sum = run_host("/usr/bin/sha256sum", {"sha256sum", path}, {});
        ASSERT_FALSE(g.lines.empty());
        bool found = false;
        for (const auto& l : g.lines) found = found || l.substr(0, 64) == sum.out.substr(0, 64);
        EXPECT_TRUE(found) << "the guest's rand hash is not the image's\n" << context(g);
    }
}

// umount of a file system in use is refused and leaves it mounted; remount switches modes;
// /proc/mounts follows.
TEST(GuestExt2, BusyUmountRemountAndTheMountTable) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    REQUIRE_E2FSPROGS();
    TempDir dir;
    const std::string tree = dir.path() + "/tree", image = dir.path() + "/fs.img";
    ::mkdir(tree.c_str(), 0755);
    write_file(tree + "/f", "x\n");
    make_image(image, tree, "16M");
    GuestOptions o = boot(
        "init=/bin/sh -- -c 'mkdir -p /m && mount -t ext2 -o ro /dev/vda /m && grep vda "
        "/proc/mounts && touch /m/new; echo touch=$? && mount -o remount,rw /m && "
        "grep vda /proc/mounts && cd /m && umount /m; echo busy=$?; cat /m/f && cd / && "
        "umount /m && echo unmounted && grep -c vda /proc/mounts; grep ext2 /proc/filesystems'");
    o.disks = {image};
    const GuestResult g = run_guest(o);
    expect_kernel_healthy(g);
    EXPECT_TRUE(contains(g.lines, "/dev/vda /m ext2 ro 0 0")) << context(g);
    EXPECT_TRUE(contains(g.lines, "touch=1")) << context(g);
    EXPECT_TRUE(contains(g.lines, "/dev/vda /m ext2 rw 0 0")) << context(g);
    EXPECT_TRUE(contains(g.lines, "busy=1")) << context(g);
    EXPECT_TRUE(contains(g.lines, "x")) << context(g);
    EXPECT_TRUE(contains(g.lines, "unmounted")) << context(g);
    EXPECT_TRUE(contains(g.lines, "0")) << context(g);
    EXPECT_TRUE(contains(g.lines, "\text2")) << context(g);
    EXPECT_EQ(fsck(image).exit_code, 0);
}

// The monitor is killed while the guest sleeps right after fsync returned: the file is whole
// in the image, which e2fsck finds consistent.
TEST(GuestExt2, FsyncedFilesSurviveTheMonitorBeingKilled) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    REQUIRE_E2FSPROGS();
    TempDir dir;
    const std::string tree = dir.path() + "/tree", image = dir.path() + "/fs.img";
    ::mkdir(tree.c_str(), 0755);
    make_image(image, tree, "32M");
    GuestOptions o = boot(
        "init=/bin/sh -- -c 'mkdir -p /m && mount -t ext2 /dev/vda /m && "
        "head -c 3000000 /dev/urandom > /tmp/data && "
        "dd if=/tmp/data of=/m/data bs=65536 conv=fsync 2>/dev/null && sha256sum /tmp/data && "
        "echo synced && sleep 600'",
        1, 128, 5);
    o.disks = {image};
    const GuestResult g = run_guest(o);
    EXPECT_TRUE(g.timed_out) << context(g);
    ASSERT_TRUE(contains(g.lines, "synced")) << context(g);
    const std::string data = debugfs(image, "cat /data");
    EXPECT_EQ(data.size(), 3000000u);
    const std::string path = dir.path() + "/data";
    write_file(path, data);
    const HostResult sum = run_host("/usr/bin/sha256sum", {"sha256sum", path}, {});
    EXPECT_EQ(g.lines[0].substr(0, 64), sum.out.substr(0, 64));
    const HostResult f = fsck(image);
    EXPECT_EQ(f.exit_code, 0) << f.out;
}

// root=/dev/vda: busybox from the disk runs as init, remounts / read-write and writes.
TEST(GuestExt2, ADiskIsTheRootFileSystem) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    REQUIRE_E2FSPROGS();
    TempDir dir;
    const std::string tree = dir.path() + "/root", image = dir.path() + "/root.img";
    for (const char* d : {"", "/bin", "/sbin", "/proc", "/dev"}) ::mkdir((tree + d).c_str(), 0755);
    ASSERT_EQ(run_host("/bin/cp", {"cp", "/bin/busybox", tree + "/bin/busybox"}, {}).exit_code, 0);
    for (const char* applet : {"sh", "cat", "mount", "echo", "sync", "ls"}) {
        ::symlink("busybox", (tree + "/bin/" + applet).c_str());
    }
    write_file(tree + "/sbin/init",
               "#!/bin/sh\ncat /proc/mounts\nls /dev/vda\nmount -o remount,rw /\n"
               "echo from-the-guest > /written\nsync\necho init-done\n");
    ::chmod((tree + "/sbin/init").c_str(), 0755);
    make_image(image, tree, "32M");
    const auto r = run_domus({"run", "--disk", image, "--cmdline", "root=/dev/vda"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("/dev/vda / ext2 ro"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("dev /dev ramfs rw"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("init-done"), std::string::npos) << r.out;
    EXPECT_EQ(debugfs(image, "cat /written"), "from-the-guest\n");
    const HostResult f = fsck(image);
    EXPECT_EQ(f.exit_code, 0) << f.out;
    // rw on a read-only disk is EROFS, as on Linux; ro works.
    const auto rw_on_ro =
        run_domus({"run", "--disk", image + ",ro", "--cmdline", "root=/dev/vda rw"});
    EXPECT_EQ(rw_on_ro.exit_code, 125);
    EXPECT_NE(rw_on_ro.out.find("root: cannot mount /dev/vda: Read-only file system"),
              std::string::npos)
        << rw_on_ro.out;
    // A root that is not there, or not ext2, is named.
    const auto missing = run_domus({"run", "--disk", image, "--cmdline", "root=/dev/vdc"});
    EXPECT_EQ(missing.exit_code, 125);
    EXPECT_NE(missing.out.find("root: no disk /dev/vdc"), std::string::npos) << missing.out;
    const std::string zeros = dir.path() + "/zeros.img";
    write_file(zeros, std::string(1 << 20, '\0'));
    const auto bad = run_domus({"run", "--disk", zeros, "--cmdline", "root=/dev/vda"});
    EXPECT_EQ(bad.exit_code, 125);
    EXPECT_NE(bad.out.find("root: cannot mount /dev/vda"), std::string::npos) << bad.out;
}

// Images damaged on purpose: the guest refuses the mount or answers EIO; its kernel lives on.
TEST(GuestExt2, DamagedImagesAreRefusedOrGiveEio) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    REQUIRE_E2FSPROGS();
    TempDir dir;
    const std::string tree = dir.path() + "/tree";
    ::mkdir(tree.c_str(), 0755);
    ::mkdir((tree + "/sub").c_str(), 0755);
    write_file(tree + "/sub/file", "content\n");
    // Bad magic: the mount is refused by name.
    const std::string magic = dir.path() + "/magic.img";
    make_image(magic, tree, "8M", "1024");
    {
        std::fstream f(magic, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(1024 + 56);
        f.put('\0').put('\0');
    }
    // A directory block of garbage: the walk answers EIO.
    const std::string dirblock = dir.path() + "/dir.img";
    make_image(dirblock, tree, "8M", "1024");
    const std::string blocks = debugfs(dirblock, "blocks /sub");
    const long block = std::atol(blocks.c_str());
    ASSERT_GT(block, 0) << blocks;
    {
        std::fstream f(dirblock, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(block * 1024);
        const std::string junk(1024, '\x7f');
        f.write(junk.data(), junk.size());
    }
    GuestOptions o = boot(
        "init=/bin/sh -- -c 'mkdir -p /a /b; mount -t ext2 /dev/vda /a; echo magic=$?; "
        "mount -t ext2 -o ro /dev/vdb /b; echo mounted=$?; ls /b/sub; echo ls=$?; "
        "cat /b/sub/file; echo cat=$?; umount /b; echo alive'");
    o.disks = {magic, dirblock};
    const GuestResult g = run_guest(o);
    expect_kernel_healthy(g);
    EXPECT_TRUE(contains(g.lines, "magic=255")) << context(g);
    EXPECT_TRUE(contains(g.lines, "mounted=0")) << context(g);
    // busybox ls does not check readdir's errno (it lists what came and exits 0); cat shows
    // the error.
    EXPECT_TRUE(contains(g.lines, "cat=1")) << context(g);
    EXPECT_TRUE(contains(g.lines, "alive")) << context(g);
    EXPECT_NE(g.console.find("Input/output error"), std::string::npos) << context(g);
}

}  // namespace
}  // namespace domus::test::guest
