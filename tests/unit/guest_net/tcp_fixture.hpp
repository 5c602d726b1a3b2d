// Helpers of the TCP tests: bulk transfers pumped by the simulation loop.
#pragma once

#include <random>
#include <vector>

#include "sim.hpp"

namespace tcpt {

struct Xfer {
    net::TcpSock* from;
    net::TcpSock* to;
    std::vector<uint8_t> data;
    size_t sent = 0;
    std::vector<uint8_t> got;
    bool shut = false;
    bool eof = false;
    bool read = true;  // false: the receiver does not read (zero window tests)

    Xfer(net::TcpSock* f, net::TcpSock* t, size_t n, uint32_t seed = 1) : from(f), to(t) {
        std::mt19937 r(seed);
        data.resize(n);
        for (auto& b : data) b = uint8_t(r());
    }
    bool step() {
        while (sent < data.size()) {
            long n = sim::send_bytes(from, data.data() + sent, data.size() - sent);
            if (n <= 0) break;
            sent += size_t(n);
        }
        if (sent == data.size() && !shut) {
            net::tcp_shutdown(from, net::kShutWr);
            shut = true;
        }
        while (read && !eof) {
            uint8_t buf[65536];
            long n = sim::recv_bytes(to, buf, sizeof(buf));
            if (n == 0) eof = true;
            if (n <= 0) break;
            got.insert(got.end(), buf, buf + n);
        }
        return eof;
    }
    bool intact() const { return got == data; }
};

}  // namespace tcpt
