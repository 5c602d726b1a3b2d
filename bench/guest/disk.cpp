// virtio-blk as a program sees it, beside the host doing the same on the same image file in
// the same run (issue 8, "Benchmarks"): gb_disk (one static binary) in a domain on /dev/vda
// and on the host on the image.
//  - Sequential read, 1 MiB blocks, of a 512 MiB image: the host from its page cache (warm,
//    read once first) and with O_DIRECT; the guest's reads are device requests served by the
//    monitor's io_uring from that same page cache (the raw device has no guest cache).
//  - Sequential write of 256 MiB in 1 MiB blocks then fsync, on copies of the image.
//  - 4 KiB random reads, queue depth 1 and 32 (32 threads of preads; the guest with 2 vCPUs),
//    IOPS and p50/p99, vs the same program on the host with O_DIRECT and with its page cache,
//    and vs a host io_uring loop (O_DIRECT, 1 and 32 in flight). The per-request
//    platform cost is the guest's QD1 p50 minus the warm host's QD1 p50 (both read cached
//    data; what is left is doorbell, monitor, completion and the guest's own system call).
//  - Through ext2 (the goal: >= 0.8x the host): busybox dd of a 1 GiB file in 1 MiB
//    blocks in a 2 GiB domain, in an image made by mke2fs -d, beside the host's dd of the same
//    bytes (the image file, warm, and with direct I/O: iflag=direct / oflag=direct). Read in
//    the fresh domain (its page cache grows only into memory used before: nothing is cached),
//    first with the image dropped from the host's cache too (vs the host's direct read), then
//    from the host's cache (vs the host's warm read); then, after a 1300 MiB buffer was
//    touched and freed (a domain that has used its memory), filling the guest's page cache,
//    then from it (medians of 5 samples of three reads each, as busybox `time` prints 10 ms
//    steps; vs the host's warm read, median of 5); write then fsync (vs the host's
//    conv=fsync, buffered and direct; both sides over host blocks written before; medians of
//    3, as the disk's speed moves 2x from one second to the next). Then the
//    system-call floor in the same domain (gb_syscall) and the ceiling it puts on the read
//    ratio: dd's 2048 system calls per GiB cost at least 2048 floors more than on the host.
//  - Monitor CPU per GiB moved (the back-end thread's CPU time from DOMUS_STATS) and the
//    monitor's peak RSS with 4 disks attached minus with none (the same idle guest).
//
//   bench_guest_disk [--rounds=3] [--raw=0 (skips the raw-device part)]
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "disk_uring.hpp"
#include "guest_bench.hpp"

using namespace domus::bench;
using namespace domus::bench::guest;

namespace {

constexpr uint64_t kMiB = 1 << 20;

bool make_image(const std::string& path, uint64_t bytes) {
    const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    std::vector<char> block(kMiB);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (uint64_t done = 0; done < bytes; done += kMiB) {
        for (size_t i = 0; i < block.size(); i += 8) {
            x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
            std::memcpy(&block[i], &x, 8);
        }
        if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
            ::close(fd);
            return false;
        }
    }
    ::fsync(fd);
    ::close(fd);
    return true;
}

// Drops the host's cached pages of `path` (clean ones: the image is synced).
bool drop_host_cache(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fdatasync(fd) == 0 && ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
    ::close(fd);
    if (!ok)
        std::fprintf(stderr, "guest_disk: cannot drop %s from the host's cache\n", path.c_str());
    return ok;
}

constexpr int kReads = 5;   // the guest's loop in the ext2 run says 1 2 3 4 5
constexpr int kWrites = 3;  // and its write loop 1 2 3

struct Figures {
    double ns = 0, bytes = 0, ops = 0, p50 = 0, p99 = 0;
    std::string stats;  // the domus-stats line (guest runs)
};

bool parse(const std::string& label, const ChildResult& r, Figures& f) {
    if (!ok(label, r)) return false;
    f.ns = result_field(r, "ns").value_or(0);
    f.bytes = result_field(r, "bytes").value_or(0);
    f.ops = result_field(r, "ops").value_or(0);
    f.p50 = result_field(r, "p50_ns").value_or(0);
    f.p99 = result_field(r, "p99_ns").value_or(0);
    const auto at = r.err.find("domus-stats:");
    if (at != std::string::npos) f.stats = r.err.substr(at);
    return true;
}

// coreutils dd's "N bytes (...) copied, S s, ..." as MiB/s; 0 when absent.
double dd_mib_per_s(const std::string& out) {
    const auto copied = out.find(" copied, ");
    if (copied == std::string::npos) return 0;
    const auto bytes_end = out.rfind(" bytes", copied);
    const auto line_start = out.rfind('\n', bytes_end);
    const double bytes =
        std::atof(out.c_str() + (line_start == std::string::npos ? 0 : line_start + 1));
    const double seconds = std::atof(out.c_str() + copied + 9);
    return seconds > 0 ? bytes / double(kMiB) / seconds : 0;
}

// The seconds of busybox `time`'s n-th "real\t0m 1.23s" line (busybox dd prints no rate).
double busybox_real_s(const std::string& out, int n) {
    size_t at = 0;
    for (int i = 0; i <= n; ++i) {
        at = out.find("real\t", i == 0 ? 0 : at + 1);
        if (at == std::string::npos) return 0;
    }
    int minutes = 0;
    double seconds = 0;
    if (std::sscanf(out.c_str() + at, "real\t%dm %lfs", &minutes, &seconds) != 2) return 0;
    return minutes * 60.0 + seconds;
}

bool host(const std::string& label, const std::vector<std::string>& args, Figures& f) {
    std::vector<std::string> argv = {program("gb_disk")};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse("guest_disk: host " + label, run_child(argv), f);
}

bool in_guest(const std::string& label, const std::string& disk, const std::string& args, int vcpus,
              Figures& f) {
    GuestRun g = spec(image("disk"), "init=/bin/gb_disk -- " + args, vcpus, 256);
    g.disks = {disk};
    g.env = {{"DOMUS_STATS", "1"}};
    return parse("guest_disk: guest " + label, run_guest(g), f);
}

double mib_per_s(const Figures& f) {
    return f.ns > 0 ? f.bytes / kMiB / (f.ns / 1e9) : 0;
}
double iops(const Figures& f) {
    return f.ns > 0 ? f.ops / (f.ns / 1e9) : 0;
}

}  // namespace

int main(int argc, char** argv) {
    const auto rounds = option_u64(argc, argv, "rounds", 3);
    const bool raw_part = option_u64(argc, argv, "raw", 1) != 0;  // --raw=0: ext2 and RSS only
    if (!have_kvm()) {
        std::printf("guest_disk: /dev/kvm is not available; skipped\n");
        return 0;
    }
    if (!build_images("guest_disk")) return 1;
    char tmpl[] = "/var/tmp/domus-bench-disk-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    const std::string dir = tmpl;
    const std::string img = dir + "/read.img", wimg = dir + "/write.img";
    const uint64_t read_bytes = 512 * kMiB, write_bytes = 256 * kMiB;
    if (!make_image(img, read_bytes) || !make_image(wimg, write_bytes)) {
        std::printf("guest_disk: cannot make the images in %s\n", dir.c_str());
        return 1;
    }
    const std::string rb = std::to_string(read_bytes), wb = std::to_string(write_bytes);
    const std::string block = std::to_string(kMiB);
    int status = 0;
    for (uint64_t round = 1; raw_part && round <= rounds && status == 0; ++round) {
        Figures h_warm, h_direct, g_read, h_write, g_write;
        Figures h_r1, h_r1d, g_r1, h_r32, h_r32d, g_r32;
        Figures warmup;
        if (!host("warm-up", {"read", img, rb, block}, warmup) ||
            !host("read", {"read", img, rb, block}, h_warm) ||
            !host("read direct", {"read", img, rb, block, "direct"}, h_direct) ||
            !in_guest("read", img, "read /dev/vda " + rb + " " + block, 1, g_read) ||
            !host("write", {"write", wimg, wb, block}, h_write) ||
            !in_guest("write", wimg, "write /dev/vda " + wb + " " + block, 1, g_write) ||
            !host("rand qd1", {"rand", img, "20000", "1"}, h_r1) ||
            !host("rand qd1 direct", {"rand", img, "20000", "1", "direct"}, h_r1d) ||
            !in_guest("rand qd1", img, "rand /dev/vda 20000 1", 1, g_r1) ||
            !host("rand qd32", {"rand", img, "64000", "32"}, h_r32) ||
            !host("rand qd32 direct", {"rand", img, "64000", "32", "direct"}, h_r32d) ||
            !in_guest("rand qd32", img, "rand /dev/vda 64000 32", 2, g_r32)) {
            status = 1;
            break;
        }
        std::printf("guest_disk: round %llu\n", static_cast<unsigned long long>(round));
        std::printf(
            "guest_disk:   seq read 1 MiB   guest %7.0f MiB/s  host warm %7.0f  direct %7.0f  "
            "guest/host-warm %s  guest/host-direct %s\n",
            mib_per_s(g_read), mib_per_s(h_warm), mib_per_s(h_direct),
            ratio(mib_per_s(g_read), mib_per_s(h_warm)).c_str(),
            ratio(mib_per_s(g_read), mib_per_s(h_direct)).c_str());
        std::printf("guest_disk:   seq write+fsync  guest %7.0f MiB/s  host %7.0f  guest/host %s\n",
                    mib_per_s(g_write), mib_per_s(h_write),
                    ratio(mib_per_s(g_write), mib_per_s(h_write)).c_str());
        auto rand_line = [](const char* what, const Figures& g, const Figures& hw,
                            const Figures& hd) {
            std::printf(
                "guest_disk:   %s guest %7.0f IOPS p50 %6.1f us p99 %6.1f us | host warm %7.0f "
                "IOPS p50 %6.1f | host direct %7.0f IOPS p50 %6.1f p99 %6.1f\n",
                what, iops(g), g.p50 / 1e3, g.p99 / 1e3, iops(hw), hw.p50 / 1e3, iops(hd),
                hd.p50 / 1e3, hd.p99 / 1e3);
        };
        rand_line("4K rand QD1 ", g_r1, h_r1, h_r1d);
        rand_line("4K rand QD32", g_r32, h_r32, h_r32d);
        for (unsigned depth : {1u, 32u}) {
            const UringFigures u = uring_random_reads(img, depth == 1 ? 20000 : 64000, depth);
            if (!u.ok) {
                std::printf("guest_disk:   host io_uring QD%u: failed\n", depth);
                continue;
            }
            std::printf(
                "guest_disk:   host io_uring O_DIRECT QD%-2u %7.0f IOPS p50 %6.1f us p99 "
                "%6.1f us\n",
                depth, u.ops / (u.ns / 1e9), u.p50 / 1e3, u.p99 / 1e3);
        }
        std::printf(
            "guest_disk:   per-request platform cost (guest QD1 p50 - host warm QD1 p50) "
            "%.1f us\n",
            (g_r1.p50 - h_r1.p50) / 1e3);
        const auto thread_ns = field_u64(g_read.stats, "virtio_blk_thread_cpu_ns");
        if (thread_ns) {
            std::printf("guest_disk:   monitor back-end CPU per GiB read: %.1f ms\n",
                        static_cast<double>(*thread_ns) / 1e6 / (read_bytes / double(1 << 30)));
        }
    }
    // ext2: a 1 GiB file made by mke2fs -d, read and written by busybox dd in the guest.
    if (status == 0) {
        const std::string tree = dir + "/tree", fsimg = dir + "/ext2.img";
        ::mkdir(tree.c_str(), 0755);
        // Writes land on host blocks written before, on both sides: the image is written
        // whole before mke2fs (which must not punch it back into holes: nodiscard), and the
        // host's dd overwrites a file written before (notrunc). A write into a hole costs the
        // host's file system an allocation (measured here: a 1 GiB dd + fsync to a new file
        // 2.6-3.1 s, over the same file 1.3 s), so a guest filling holes against a host
        // overwriting, or the reverse, compares the host's file system with itself.
        const std::string wraw = dir + "/w.raw";
        if (!make_image(tree + "/big", 1024 * kMiB) || !make_image(fsimg, 2300 * kMiB) ||
            !make_image(wraw, 1024 * kMiB)) {
            return 1;
        }
        const ChildResult mk = run_child({"/sbin/mke2fs", "-q", "-F", "-E", "nodiscard", "-t",
                                          "ext2", "-d", tree, fsimg, "2300M"});
        (void)!std::system(("rm -rf '" + tree + "'").c_str());
        if (mk.exit_code != 0) {
            report_failure("guest_disk: mke2fs -d", mk);
            return 1;
        }
        ::sync();  // nothing left for the host to write back while the rounds measure
        for (uint64_t round = 1; round <= rounds; ++round) {
            // The warm reads, like the guest's reads from its cache, are timed kReads times
            // (medians): this shared machine moves a single figure by 2x.
            const ChildResult warm =
                run_child({"/bin/dd", "if=" + fsimg, "of=/dev/null", "bs=1M", "count=1024"});
            std::vector<double> host_warm;
            ChildResult hr;
            for (int i = 0; i < kReads && warm.exit_code == 0; ++i) {
                hr = run_child({"/bin/dd", "if=" + fsimg, "of=/dev/null", "bs=1M", "count=1024"});
                if (hr.exit_code != 0) break;
                host_warm.push_back(dd_mib_per_s(hr.err));
            }
            // The host's direct I/O on the same files (no page cache), where it allows it.
            const ChildResult hrd = run_child(
                {"/bin/dd", "if=" + fsimg, "of=/dev/null", "bs=1M", "count=1024", "iflag=direct"});
            // Writes wait for this machine's disk, whose speed moves 2x from one second to the
            // next: kWrites of each, medians, like the guest's.
            std::vector<double> host_write, host_write_d;
            for (int i = 0; i < kWrites; ++i) {
                const ChildResult hw = run_child({"/bin/dd", "if=/dev/zero", "of=" + wraw, "bs=1M",
                                                  "count=1024", "conv=fsync,notrunc"});
                const ChildResult hwd =
                    run_child({"/bin/dd", "if=/dev/zero", "of=" + wraw, "bs=1M", "count=1024",
                               "oflag=direct", "conv=fsync,notrunc"});
                host_write.push_back(dd_mib_per_s(hw.err));
                host_write_d.push_back(dd_mib_per_s(hwd.err));
            }
            GuestRun g =
                spec(image("disk"),
                     "bench_floor=1 init=/bin/sh -- -c 'mkdir /m && mount -t ext2 /dev/vda /m && "
                     "time dd if=/m/big of=/dev/null bs=1M && "
                     "time dd if=/m/big of=/dev/null bs=1M && "
                     "dd if=/dev/zero of=/dev/null bs=1300M count=1 && "
                     "time dd if=/m/big of=/dev/null bs=1M && "
                     "echo dd if=/m/big of=/dev/null bs=1M > /r3 && "
                     "echo dd if=/m/big of=/dev/null bs=1M >> /r3 && "
                     "echo dd if=/m/big of=/dev/null bs=1M >> /r3 && "
                     "for i in 1 2 3 4 5; do time sh /r3; done && "
                     "for i in 1 2 3; do time dd if=/dev/zero of=/m/new bs=1M "
                     "count=1024 conv=fsync && rm /m/new && sync || exit 1; done && "
                     "umount /m && gb_syscall 3 100 floor'",
                     1, 2048);
            g.disks = {fsimg};
            // The guest's first read finds the image in neither cache: the host's copy is
            // dropped first (the host's direct read is its counterpart). Its second read, still
            // uncached in the fresh guest, is served from the host's cache.
            if (!drop_host_cache(fsimg)) return 1;
            const ChildResult gr = run_guest(g);
            if (gr.exit_code != 0 || warm.exit_code != 0 || hr.exit_code != 0 ||
                host_warm.size() != size_t(kReads)) {
                report_failure("guest_disk: ext2 dd", gr.exit_code != 0 ? gr : hr);
                status = 1;
                break;
            }
            // busybox `time` around each dd, on the guest's console (10 ms resolution).
            const std::string out = program_output(gr.out);
            auto rate = [&](int n, double mib = 1024) {
                const double s = busybox_real_s(out, n);
                return s > 0 ? mib / s : 0;
            };
            // Each sample of the reads from the guest's cache is three reads back to back:
            // busybox prints 10 ms steps, 6% of one read (~0.17 s).
            std::vector<double> guest_cached;
            for (int i = 0; i < kReads; ++i) guest_cached.push_back(rate(3 + i, 3 * 1024));
            std::vector<double> guest_write;
            for (int i = 0; i < kWrites; ++i) guest_write.push_back(rate(3 + kReads + i));
            const double g_cold = rate(0), g_read = rate(1), g_fill = rate(2),
                         g_reread = median(guest_cached), g_write = median(guest_write);
            const double h_read = median(host_warm), h_write = median(host_write);
            const double h_read_d = dd_mib_per_s(hrd.err), h_write_d = median(host_write_d);
            std::printf(
                "guest_disk: ext2 round %llu: dd read 1 GiB, fresh domain (its cache stays "
                "empty): in no cache guest %7.0f MiB/s vs host direct %7.0f: %s | from the "
                "host's cache guest %7.0f vs host warm (median of 5) %7.0f: %s | memory used "
                "before: read "
                "filling the guest cache %7.0f, read from the guest cache (median of 5) %7.0f vs "
                "host warm: "
                "%s | dd write+fsync (medians of 3) guest %7.0f host %7.0f direct %7.0f guest/host "
                "%s "
                "guest/direct %s\n",
                static_cast<unsigned long long>(round), g_cold, h_read_d,
                ratio(g_cold, h_read_d).c_str(), g_read, h_read, ratio(g_read, h_read).c_str(),
                g_fill, g_reread, ratio(g_reread, h_read).c_str(), g_write, h_write, h_write_d,
                ratio(g_write, h_write).c_str(), ratio(g_write, h_write_d).c_str());
            // The platform's share: dd makes two system calls per MiB (read, write), each at
            // least the floor with the two CR3 switches (gb_syscall, the same domain). A guest
            // whose kernel copied as fast as the host's and did nothing else could reach at
            // most host time / (host time + 2048 floors) of the host's warm read.
            const auto floor_ns = result_field(gr, "floor_cr3_ns");
            if (floor_ns && h_read > 0 && g_reread > 0) {
                const double host_s = 1024 / h_read, floors_s = 2048 * *floor_ns / 1e9;
                const double ceiling = host_s / (host_s + floors_s);
                std::printf(
                    "guest_disk: ext2 round %llu: system-call floor %.1f us, 2048 per GiB = %.0f "
                    "ms against the host's %.0f ms: ceiling vs host warm %.3f; the read from "
                    "the guest cache reaches %s of it\n",
                    static_cast<unsigned long long>(round), *floor_ns / 1e3, floors_s * 1e3,
                    host_s * 1e3, ceiling, ratio(g_reread / h_read, ceiling).c_str());
            }
        }
    }
    // Monitor RSS: the same idle guest with 4 disks and with none.
    if (status == 0) {
        std::vector<std::string> four;
        for (int i = 0; i < 4; ++i) {
            const std::string p = dir + "/d" + std::to_string(i) + ".img";
            if (!make_image(p, 16 * kMiB)) return 1;
            four.push_back(p);
        }
        GuestRun none = spec(image("disk"), "init=/bin/sleep -- 0.3", 1, 256);
        GuestRun with = none;
        with.disks = four;
        std::vector<double> rss0, rss4;
        for (uint64_t i = 0; i < rounds; ++i) {
            const ChildResult a = run_guest(none), b = run_guest(with);
            if (a.exit_code != 0 || b.exit_code != 0) {
                report_failure("guest_disk: rss runs", a.exit_code != 0 ? a : b);
                status = 1;
                break;
            }
            rss0.push_back(static_cast<double>(a.maxrss_kib));
            rss4.push_back(static_cast<double>(b.maxrss_kib));
        }
        if (status == 0) {
            std::printf(
                "guest_disk: monitor peak RSS, medians: no disk %.0f KiB, 4 disks %.0f KiB, "
                "+%.0f KiB for 4 disks\n",
                median(rss0), median(rss4), median(rss4) - median(rss0));
        }
    }
    (void)!std::system(("rm -rf '" + dir + "'").c_str());
    return status;
}
