// Raw virtio-blk disks in real domains: /dev/vda ... read back byte for byte against the host
// file, writes that reach the image, fsync that survives the monitor being killed at once,
// read-only disks, and the refusals before a domain starts (a missing image, one locked by a
// running domain).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "guest_expect.hpp"
#include "guest_runner.hpp"
#include "process.hpp"

namespace domus::test::guest {
namespace {

std::string random_bytes(size_t n, uint32_t seed) {
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = char(gen());
    return s;
}

// sha256sum's first word for `bytes`, computed by the host's sha256sum.
std::string host_sha256(const std::string& bytes, const TempDir& dir) {
    const std::string path = dir.path() + "/sha-input";
    write_file(path, bytes);
    const HostResult h = run_host("/usr/bin/sha256sum", {"sha256sum", path}, {});
    return h.out.substr(0, 64);
}

TEST(GuestDisk, RawReadsMatchTheImage) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    TempDir dir;
    const std::string image = dir.path() + "/a.img";
    const std::string bytes = random_bytes(3 << 20, 7);
    write_file(image, bytes);
    // Whole disk, an unaligned window (partial sectors on both ends), the size ioctl, lseek.
    GuestOptions o = boot(
        "init=/bin/sh -- -c 'sha256sum /dev/vda; "
        "dd if=/dev/vda bs=1000 skip=3 count=7 2>/dev/null | sha256sum; "
        "blockdev --getsize64 /dev/vda; ls -l /dev/vda'");
    o.disks = {image};
    const GuestResult g = run_guest(o);
    expect_kernel_healthy(g);
    ASSERT_GE(g.lines.size(), 4u) << context(g);
    EXPECT_EQ(g.lines[0].substr(0, 64), host_sha256(bytes, dir)) << context(g);
    EXPECT_EQ(g.lines[1].substr(0, 64), host_sha256(bytes.substr(3000, 7000), dir));
    EXPECT_EQ(g.lines[2], std::to_string(3 << 20));
    EXPECT_NE(g.lines[3].find("254,   0"), std::string::npos) << g.lines[3];
}

// Several processes reading at once on 2 vCPUs: their tasks sleep for the completion
// interrupt while the others run, and every byte still arrives where it belongs.
TEST(GuestDisk, ConcurrentReadersSleepForCompletionsAndGetTheirBytes) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    TempDir dir;
    const std::string image = dir.path() + "/a.img";
    const std::string bytes = random_bytes(8 << 20, 5);
    write_file(image, bytes);
    std::string script = "init=/bin/sh -- -c '";
    for (int i = 0; i < 6; ++i) {
        script += "(dd if=/dev/vda bs=4096 skip=" + std::to_string(i * 256) +
                  " count=256 2>/dev/null | sha256sum > /tmp/s" + std::to_string(i) + ") & ";
    }
    script += "wait; cat /tmp/s0 /tmp/s1 /tmp/s2 /tmp/s3 /tmp/s4 /tmp/s5'";
    GuestOptions o = boot(script, 2);
    o.disks = {image};
    const GuestResult g = run_guest(o);
    expect_kernel_healthy(g);
    ASSERT_EQ(g.lines.size(), 6u) << context(g);
    for (size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(g.lines[i].substr(0, 64), host_sha256(bytes.substr(i << 20, 1 << 20), dir))
            << "reader " << i;
    }
}

TEST(GuestDisk, WritesReachTheImageAndReadOnlyDisksRefuse) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    TempDir dir;
    const std::string a = dir.path() + "/a.img", b = dir.path() + "/b.img";
    const std::string original = random_bytes(1 << 20, 11);
    write_file(a, original);
    write_file(b, original);
    GuestOptions o = boot(
        "init=/bin/sh -- -c 'printf hello-disk | dd of=/dev/vda bs=1 seek=1001 conv=notrunc; "
        "dd if=/dev/zero of=/dev/vda bs=4096 seek=16 count=8 conv=fsync 2>/dev/null; "
        "echo x > /dev/vdb; echo vdb=$?; "
        "dd if=/dev/zero of=/dev/vda bs=512 seek=2048 count=1 2>&1; sync'");
    o.disks = {a, b + ",ro"};
    const GuestResult g = run_guest(o);
    expect_kernel_healthy(g);
    const std::string text = join_lines(g.lines);
    EXPECT_NE(text.find("Read-only file system"), std::string::npos) << context(g);
    EXPECT_NE(text.find("vdb=1"), std::string::npos) << context(g);
    EXPECT_NE(text.find("No space left on device"), std::string::npos) << context(g);
    std::string expected = original;
    expected.replace(1001, 10, "hello-disk");
    expected.replace(16 * 4096, 8 * 4096, std::string(8 * 4096, '\0'));
    EXPECT_TRUE(read_file(a) == expected) << "the image does not hold what the guest wrote";
    EXPECT_TRUE(read_file(b) == original) << "the read-only image changed";
}

// The monitor is killed (SIGKILL, as `destroy` does) while the guest sleeps right after its
// fsync returned: what was synced is in the image.
TEST(GuestDisk, FsyncedDataSurvivesTheMonitorBeingKilled) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    TempDir dir;
    const std::string image = dir.path() + "/a.img";
    write_file(image, std::string(8 << 20, '\0'));
    GuestOptions o = boot(
        "init=/bin/sh -- -c 'head -c 4194304 /dev/urandom > /tmp/data; "
        "dd if=/tmp/data of=/dev/vda bs=65536 conv=fsync 2>/dev/null; "
        "sha256sum /tmp/data; echo synced; sleep 600'",
        1, 128, 4);
    o.disks = {image};
    const GuestResult g = run_guest(o);
    EXPECT_TRUE(g.timed_out) << "the guest was to be killed while it slept" << context(g);
    ASSERT_TRUE(contains(g.lines, "synced")) << context(g);
    const std::string disk = read_file(image);
    EXPECT_EQ(g.lines[0].substr(0, 64), host_sha256(disk.substr(0, 4 << 20), dir));
}

// bps=1 MiB/s on a 4 MiB disk: the guest reads every byte right, no faster than the limit
// allows (a lower bound: noise only adds time), and the monitor says it held requests back.
TEST(GuestDisk, TheRateLimiterPacesReads) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    TempDir dir;
    const std::string image = dir.path() + "/a.img";
    const std::string bytes = random_bytes(4 << 20, 9);
    write_file(image, bytes);
    const auto r = run_process({"/usr/bin/env", "DOMUS_STATS=1", DOMUS_BIN, "run", "--ramdisk",
                                image_path("guest.cpio.gz"), "--disk", image + ",ro,bps=1048576",
                                "--cmdline", "init=/bin/sh -- -c 'sha256sum /dev/vda'"},
                               timeout_after(60));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.substr(0, 64), host_sha256(bytes, dir)) << r.out;
    // One second's burst, then 3 MiB at 1 MiB/s.
    EXPECT_GE(r.seconds, 2.5) << "the limit was not applied";
    const auto at = r.err.find("virtio_blk_throttled=");
    ASSERT_NE(at, std::string::npos) << r.err;
    EXPECT_NE(r.err.substr(at, 22), "virtio_blk_throttled=0") << r.err;
}

TEST(GuestDisk, UnusableImagesAreRefusedBeforeTheDomainStarts) {
    DOMUS_REQUIRE_KVM();
    TempDir dir;
    const std::string missing = dir.path() + "/missing.img";
    auto r = run_domus({"run", "--disk", missing});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("disk vda: cannot open disk image '" + missing + "'"), std::string::npos)
        << r.err;
    const std::string tiny = dir.path() + "/tiny.img";
    write_file(tiny, "short");
    r = run_domus({"run", "--disk", tiny});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("less than one 512-byte sector"), std::string::npos) << r.err;
    r = run_domus({"run", "--disk", dir.path()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("Is a directory"), std::string::npos) << r.err;
}

TEST(GuestDisk, TwoDomainsCannotWriteTheSameImage) {
    DOMUS_REQUIRE_GUEST_IMAGES();
    TempDir dir;
    const std::string image = dir.path() + "/shared.img";
    write_file(image, std::string(1 << 20, '\0'));
    GuestResult first;
    std::thread holder([&] {
        GuestOptions o = boot("init=/bin/sh -- -c 'echo holding; sleep 4'", 1, 64, 30);
        o.disks = {image};
        first = run_guest(o);
    });
    // Wait until the first domain holds its exclusive lock (its monitor opens disks before
    // booting): an OFD lock probe sees it. Starting the second one earlier could let it take
    // its shared lock first and turn the roles round.
    const int probe = ::open(image.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(probe, 0);
    bool held = false;
    for (int i = 0; i < 600 && !held; ++i) {
        struct flock fl {};
        fl.l_type = F_RDLCK;
        fl.l_whence = SEEK_SET;
        held = ::fcntl(probe, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_WRLCK;
        if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::close(probe);
    EXPECT_TRUE(held) << "the first domain never locked its image";
    const ProcessResult second = run_domus({"run", "--disk", image + ",ro", "--cmdline", "hello"});
    holder.join();
    EXPECT_EQ(second.exit_code, 1) << second.err;
    EXPECT_NE(second.err.find("is in use by another domain"), std::string::npos) << second.err;
    EXPECT_TRUE(contains(first.lines, "holding")) << context(first);
    EXPECT_EQ(first.exit_code, 0) << context(first);
}

// A guest kernel driver that breaks every rule (guest/workloads/hostile_virtio.cpp): the
// device answers each with DEVICE_NEEDS_RESET or an error status, serves again after a reset,
// the monitor stays up and the image is untouched.
TEST(GuestDisk, HostileVirtqueuesLeaveTheMonitorAndTheImageAlone) {
    DOMUS_REQUIRE_KVM();
    TempDir dir;
    const std::string image = dir.path() + "/a.img";
    const std::string bytes = random_bytes(1 << 20, 3);
    write_file(image, bytes);
    const auto r = run_domus({"run", "--disk", image, "--cmdline", "hostile-virtio"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const char* line :
         {"hostile-virtio: descriptor loop: needs-reset",
          "hostile-virtio: chain longer than the queue: needs-reset",
          "hostile-virtio: buffer outside RAM: needs-reset",
          "hostile-virtio: buffer over the queue's rings: needs-reset",
          "hostile-virtio: status byte not writable: needs-reset",
          "hostile-virtio: readable after writable: needs-reset",
          "hostile-virtio: zero-length buffer: needs-reset",
          "hostile-virtio: head beyond the queue: needs-reset",
          "hostile-virtio: available index far ahead: needs-reset",
          "hostile-virtio: read past the end of the disk: error-status",
          "hostile-virtio: completions never consumed: served",
          "hostile-virtio: good read after the abuse: ok", "hostile-virtio: 0 unexpected"}) {
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    }
    EXPECT_TRUE(read_file(image) == bytes) << "the image changed";
}

}  // namespace
}  // namespace domus::test::guest
