// The virtio-blk back end over a real image file and a real io_uring, with the test as the
// driver: reads and writes land where they should, many requests in flight, flush, get-id,
// discard and write-zeroes, the refusals (past the end, read-only, unknown type), a broken
// queue, a reset with I/O in flight, the rate limiter, and ENOSPC on the host.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "blk_driver.hpp"

namespace domus {
namespace {

using namespace blk_test;

constexpr uint32_t kIn = 0, kOut = 1, kFlush = 4, kGetId = 8, kDiscard = 11, kWriteZeroes = 13;

class VirtioBlkTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/domus-virtio-blk-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        driver_.reset();
        (void)!std::system(("rm -rf '" + dir_ + "'").c_str());
    }
    // An image whose sector s is filled with the byte (s * 7 + 1) & 0xff.
    std::string make_image(size_t sectors) {
        const std::string path = dir_ + "/disk.img";
        std::string bytes(sectors * 512, '\0');
        for (size_t s = 0; s < sectors; ++s) {
            std::memset(bytes.data() + s * 512, int((s * 7 + 1) & 0xff), 512);
        }
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }
    std::string file_bytes(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    BlkDriver& attach(const std::string& path, bool read_only, BlkLimits limits = {}) {
        auto image = DiskImage::open(path, read_only);
        EXPECT_TRUE(image.ok()) << image.error().message;
        auto blk = VirtioBlk::create(std::move(image.value()), kRam, limits, "domus-vda");
        EXPECT_TRUE(blk.ok()) << blk.error().message;
        driver_ = std::make_unique<BlkDriver>(std::move(blk.value()));
        driver_->bring_up();
        EXPECT_EQ(driver_->reg(kRegStatus) & kStatusDriverOk, kStatusDriverOk);
        return *driver_;
    }
    std::string dir_;
    std::unique_ptr<BlkDriver> driver_;
};

TEST_F(VirtioBlkTest, OffersItsGeometryAndFeatures) {
    BlkDriver& d = attach(make_image(2048), false);
    EXPECT_EQ(d.reg(kRegDeviceId), 2u);
    EXPECT_EQ(d.reg(kRegConfig), 2048u);  // capacity, low word
    EXPECT_EQ(d.reg(kRegConfig + 4), 0u);
    EXPECT_EQ(d.reg(kRegConfig + 12), VirtioBlk::kMaxSegments);  // seg_max
    EXPECT_EQ(d.reg(kRegConfig + 20), 512u);                     // blk_size
    d.set(kRegDeviceFeaturesSel, 0);
    const uint32_t f = d.reg(kRegDeviceFeatures);
    EXPECT_TRUE(f & VirtioBlk::kFeatureFlush);
    EXPECT_TRUE(f & VirtioBlk::kFeatureDiscard);
    EXPECT_FALSE(f & VirtioBlk::kFeatureReadOnly);
}

TEST_F(VirtioBlkTest, ReadsAndWritesReachTheImage) {
    const std::string path = make_image(256);
    BlkDriver& d = attach(path, false);
    d.request(0, kIn, 10, 4096, true);  // sectors 10..17
    ASSERT_TRUE(d.run_until(1));
    EXPECT_EQ(d.status(0), 0);
    EXPECT_EQ(d.used_len(0), 4097u);  // data and the status byte
    const std::string got = d.read_data(0, 4096);
    for (size_t s = 0; s < 8; ++s) {
        EXPECT_EQ(uint8_t(got[s * 512]), uint8_t((10 + s) * 7 + 1)) << "sector " << 10 + s;
    }
    d.write_data(1, std::string(1024, 'W'));
    d.request(1, kOut, 100, 1024, false);
    d.request(2, kFlush, 0, 0, false);
    ASSERT_TRUE(d.run_until(3));
    EXPECT_EQ(d.status(1), 0);
    EXPECT_EQ(d.used_len(1), 1u);
    EXPECT_EQ(d.status(2), 0);
    const std::string image = file_bytes(path);
    EXPECT_EQ(image.substr(100 * 512, 1024), std::string(1024, 'W'));
    EXPECT_EQ(uint8_t(image[99 * 512]), uint8_t(99 * 7 + 1));
    EXPECT_EQ(uint8_t(image[102 * 512]), uint8_t(102 * 7 + 1));
    const BlkStats s = d.dev().stats();
    EXPECT_EQ(s.requests, 3u);
    EXPECT_EQ(s.read_bytes, 4096u);
    EXPECT_EQ(s.written_bytes, 1024u);
    EXPECT_EQ(s.flushes, 1u);
}

TEST_F(VirtioBlkTest, ManyRequestsInFlight) {
    BlkDriver& d = attach(make_image(4096), false);
    for (uint16_t r = 0; r < 20; ++r) d.request(r, kIn, uint64_t(r) * 128, 65536, true);
    ASSERT_TRUE(d.run_until(20));
    for (uint16_t r = 0; r < 20; ++r) {
        EXPECT_EQ(d.status(r), 0);
        const std::string got = d.read_data(r, 65536);
        EXPECT_EQ(uint8_t(got[0]), uint8_t(r * 128 * 7 + 1));
        EXPECT_EQ(uint8_t(got[65535]), uint8_t((r * 128 + 127) * 7 + 1));
    }
}

// Every kWriteBehindBytes written, the host's write-back of them is started (not waited for):
// the count moves without any flush from the driver, and the bytes are the image's.
TEST_F(VirtioBlkTest, WritesStartTheHostsWriteBackBehindThem) {
    const std::string path = make_image(24576);  // 12 MiB
    BlkDriver& d = attach(path, false);
    constexpr uint16_t kPerRound = 20;
    constexpr uint64_t kBytes = 65536;
    const uint16_t rounds = uint16_t(VirtioBlk::kWriteBehindBytes / (kPerRound * kBytes) + 2);
    uint16_t used = 0;
    for (uint16_t round = 0; round < rounds; ++round) {
        for (uint16_t r = 0; r < kPerRound; ++r) {
            d.write_data(r, std::string(kBytes, char('a' + (round + r) % 26)));
            d.request(r, kOut, (uint64_t(round) * kPerRound + r) * (kBytes / 512), kBytes, false);
        }
        used = uint16_t(used + kPerRound);
        ASSERT_TRUE(d.run_until(used));
        for (uint16_t r = 0; r < kPerRound; ++r) EXPECT_EQ(d.status(r), 0);
    }
    const BlkStats s = d.dev().stats();
    EXPECT_EQ(s.flushes, 0u);
    EXPECT_GE(s.write_behind, 1u);
    EXPECT_LE(s.write_behind, uint64_t(rounds) * kPerRound * kBytes / VirtioBlk::kWriteBehindBytes);
    const std::string image = file_bytes(path);
    for (uint16_t round = 0; round < rounds; ++round) {
        for (uint16_t r = 0; r < kPerRound; ++r) {
            const uint64_t at = (uint64_t(round) * kPerRound + r) * kBytes;
            EXPECT_EQ(image.substr(at, kBytes), std::string(kBytes, char('a' + (round + r) % 26)))
                << "round " << round << " request " << r;
        }
    }
}

TEST_F(VirtioBlkTest, GetIdDiscardAndWriteZeroes) {
    const std::string path = make_image(256);
    BlkDriver& d = attach(path, false);
    d.request(0, kGetId, 0, 20, true);
    ASSERT_TRUE(d.run_until(1));
    EXPECT_EQ(d.status(0), 0);
    EXPECT_EQ(d.read_data(0, 20), std::string("domus-vda") + std::string(11, '\0'));
    // One range each: sector 16, 8 sectors; write-zeroes without UNMAP at sector 64.
    auto range = [&](uint16_t r, uint64_t sector, uint32_t sectors, uint32_t flags) {
        uint8_t raw[16];
        std::memcpy(raw, &sector, 8);
        std::memcpy(raw + 8, &sectors, 4);
        std::memcpy(raw + 12, &flags, 4);
        d.write_data(r, std::string(reinterpret_cast<char*>(raw), 16));
    };
    range(1, 16, 8, 0);
    d.request(1, kDiscard, 0, 16, false);
    range(2, 64, 4, 0);
    d.request(2, kWriteZeroes, 0, 16, false);
    ASSERT_TRUE(d.run_until(3));
    EXPECT_EQ(d.status(1), 0);
    EXPECT_EQ(d.status(2), 0);
    const std::string image = file_bytes(path);
    EXPECT_EQ(image.size(), 256u * 512);
    EXPECT_EQ(image.substr(16 * 512, 8 * 512), std::string(8 * 512, '\0'));
    EXPECT_EQ(image.substr(64 * 512, 4 * 512), std::string(4 * 512, '\0'));
    EXPECT_EQ(uint8_t(image[24 * 512]), uint8_t(24 * 7 + 1));
    EXPECT_EQ(uint8_t(image[68 * 512]), uint8_t(68 * 7 + 1));
}

TEST_F(VirtioBlkTest, RefusalsGetAnErrorStatusAndTheQueueGoesOn) {
    const std::string path = make_image(64);
    BlkDriver& d = attach(path, true);
    d.set(kRegDeviceFeaturesSel, 0);
    EXPECT_TRUE(d.reg(kRegDeviceFeatures) & VirtioBlk::kFeatureReadOnly);
    d.request(0, kIn, 63, 1024, true);    // one sector past the end
    d.request(1, kIn, ~0ull, 512, true);  // an overflowing sector
    d.write_data(2, std::string(512, 'x'));
    d.request(2, kOut, 0, 512, false);  // read-only disk
    d.request(3, 77, 0, 0, false);      // unknown type
    d.request(4, kIn, 62, 1024, true);  // the last two sectors: fine
    ASSERT_TRUE(d.run_until(5));
    EXPECT_EQ(d.status(0), 1);  // IOERR
    EXPECT_EQ(d.status(1), 1);
    EXPECT_EQ(d.status(2), 1);
    EXPECT_EQ(d.status(3), 2);  // UNSUPP
    EXPECT_EQ(d.status(4), 0);
    EXPECT_EQ(d.used_len(0), 1u);
    EXPECT_EQ(file_bytes(path)[0], char(1));  // unchanged
    EXPECT_EQ(d.dev().stats().errors, 4u);
    EXPECT_EQ(d.reg(kRegStatus) & kStatusNeedsReset, 0u);
}

TEST_F(VirtioBlkTest, ABrokenChainNeedsAReset) {
    BlkDriver& d = attach(make_image(64), false);
    d.desc(0, kHeaders, 16, kDescNext, 0);  // a loop onto itself
    d.publish(0);
    d.dev().process(d.mem());
    EXPECT_EQ(d.reg(kRegStatus) & kStatusNeedsReset, kStatusNeedsReset);
    EXPECT_EQ(d.used_idx(), 0);
    // A chain with no status byte (all readable) is framing the device cannot answer.
    d.bring_up();
    EXPECT_EQ(d.reg(kRegStatus) & kStatusNeedsReset, 0u);
    d.desc(0, kHeaders, 16, 0, 0);
    d.publish(0);
    d.dev().process(d.mem());
    EXPECT_EQ(d.reg(kRegStatus) & kStatusNeedsReset, kStatusNeedsReset);
    // After a reset the device serves again.
    d.bring_up();
    d.request(0, kIn, 0, 512, true);
    ASSERT_TRUE(d.run_until(1));
    EXPECT_EQ(d.status(0), 0);
}

TEST_F(VirtioBlkTest, AResetWithIoInFlightReturnsNothingStale) {
    BlkDriver& d = attach(make_image(4096), false);
    for (uint16_t r = 0; r < 20; ++r) d.request(r, kIn, uint64_t(r) * 128, 65536, true);
    d.dev().process(d.mem());
    d.bring_up();  // status 0 first: a reset while reads may still be in flight
    for (int i = 0; i < 50; ++i) {
        pollfd p{d.dev().completion_fd(), POLLIN, 0};
        if (::poll(&p, 1, 10) > 0) d.dev().complete(d.mem());
    }
    EXPECT_EQ(d.used_idx(), 0);  // the new queue saw nothing of the old requests
    d.request(0, kIn, 5, 512, true);
    ASSERT_TRUE(d.run_until(1));
    EXPECT_EQ(d.status(0), 0);
    EXPECT_EQ(uint8_t(d.read_data(0, 1)[0]), uint8_t(5 * 7 + 1));
}

TEST_F(VirtioBlkTest, TheRateLimiterHoldsRequestsBackAndServesThemLater) {
    BlkDriver& d = attach(make_image(256), false, BlkLimits{0, 20});  // 20 ops/s, burst 20
    for (uint16_t r = 0; r < 20; ++r) d.request(r, kIn, r, 512, true);
    ASSERT_TRUE(d.run_until(20));  // the burst
    EXPECT_EQ(d.dev().stats().throttled, 0u);
    for (uint16_t r = 0; r < 3; ++r) d.request(r, kIn, r, 512, true);
    ASSERT_TRUE(d.run_until(23, 3000));  // ~50 ms apart, after the timer fires
    EXPECT_GT(d.dev().stats().throttled, 0u);
    EXPECT_EQ(d.status(2), 0);
}

// ENOSPC from the host file system: an I/O error for that request, nothing else. The image
// lives on a 64 KiB tmpfs mounted in a private mount namespace of a child process.
TEST_F(VirtioBlkTest, HostDiskFullIsAnIoError) {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (::unshare(CLONE_NEWNS) != 0) _exit(10);
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(11);
        if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=64k") != 0) _exit(12);
        const std::string path = dir_ + "/full.img";
        const int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0600);
        if (fd < 0 || ::ftruncate(fd, 1 << 20) != 0) _exit(13);  // sparse: 1 MiB, 64 KiB room
        ::close(fd);
        auto image = DiskImage::open(path, false);
        if (!image) _exit(14);
        auto blk = VirtioBlk::create(std::move(image.value()), kRam, {}, "x");
        if (!blk) _exit(15);
        BlkDriver d(std::move(blk.value()));
        d.bring_up();
        for (uint16_t r = 0; r < 4; ++r) {
            d.write_data(r, std::string(65536, char('a' + r)));
            d.request(r, kOut, uint64_t(r) * 128, 65536, false);
        }
        if (!d.run_until(4)) _exit(16);
        int errors = 0;
        for (uint16_t r = 0; r < 4; ++r) errors += d.status(r) == 1;
        if (errors == 0) _exit(17);                            // no ENOSPC seen
        if (d.reg(kRegStatus) & kStatusNeedsReset) _exit(18);  // the queue goes on
        d.request(0, kIn, 0, 512, true);                       // and still reads
        if (!d.run_until(5) || d.status(0) != 0) _exit(19);
        _exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "see the _exit codes in the child";
}

}  // namespace
}  // namespace domus
