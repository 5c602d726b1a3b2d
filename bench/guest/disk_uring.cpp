#include "disk_uring.hpp"

#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "bench_common.hpp"

namespace domus::bench::guest {

UringFigures uring_random_reads(const std::string& path, unsigned ops, unsigned depth) {
    UringFigures f;
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0) return f;
    const off_t size = ::lseek(fd, 0, SEEK_END);
    io_uring ring{};
    if (size < 4096 || ::io_uring_queue_init(depth, &ring, 0) < 0) {
        ::close(fd);
        return f;
    }
    std::vector<void*> bufs(depth);
    for (auto& b : bufs) {
        if (::posix_memalign(&b, 4096, 4096) != 0) b = nullptr;
    }
    std::vector<uint64_t> started(depth);
    std::vector<double> lat;
    lat.reserve(ops);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    auto submit = [&](unsigned slot) {
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        const uint64_t off = ((x * 0x2545f4914f6cdd1dull) % (uint64_t(size) / 4096)) * 4096;
        io_uring_sqe* sqe = ::io_uring_get_sqe(&ring);
        ::io_uring_prep_read(sqe, fd, bufs[slot], 4096, off);
        ::io_uring_sqe_set_data64(sqe, slot);
        started[slot] = now_ns();
    };
    bool good = true;
    unsigned issued = 0;
    const uint64_t start = now_ns();
    for (; issued < depth && issued < ops; ++issued) submit(issued);
    ::io_uring_submit(&ring);
    while (lat.size() < ops && good) {
        io_uring_cqe* cqe;
        if (::io_uring_wait_cqe(&ring, &cqe) != 0 || cqe->res != 4096) {
            good = false;
            break;
        }
        const auto slot = static_cast<unsigned>(cqe->user_data);
        ::io_uring_cqe_seen(&ring, cqe);
        lat.push_back(double(now_ns() - started[slot]));
        if (issued < ops) {
            submit(slot);
            ++issued;
            ::io_uring_submit(&ring);
        }
    }
    f.ns = double(now_ns() - start);
    ::io_uring_queue_exit(&ring);
    for (void* b : bufs) std::free(b);
    ::close(fd);
    if (!good) return f;
    f.ok = true;
    f.ops = double(lat.size());
    f.p50 = quantile(lat, 0.5);
    f.p99 = quantile(lat, 0.99);
    return f;
}

}  // namespace domus::bench::guest
