// The host's own best at 4 KiB random reads: an io_uring loop with O_DIRECT on the image file,
// `depth` reads in flight, for bench_guest_disk's side-by-side figures.
#pragma once

#include <cstdint>
#include <string>

namespace domus::bench::guest {

struct UringFigures {
    bool ok = false;
    double ns = 0, ops = 0, p50 = 0, p99 = 0;
};

UringFigures uring_random_reads(const std::string& path, unsigned ops, unsigned depth);

}  // namespace domus::bench::guest
