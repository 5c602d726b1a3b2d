// libFuzzer target: the guest kernel's network stack (guest/net) fed arbitrary frames. Two
// stacks on a simulated link hold a listening socket and an established connection; the
// input is a sequence of records [len:2][advance:1][flags:1][bytes...]: each frame goes to
// node 1 (as its device's) with the given virtio-net header flags, after advancing the virtual
// clock by `advance` * 10 ms. Half the records are made into plausible TCP segments for the
// live connection (correct ports, addresses, checksums, sequence numbers near the window) so
// that the fuzzer reaches deep states. Never a crash, a hang or a leak.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vector>

#include "host_shims.hpp"
#include "net/checksum.hpp"
#include "net/ether.hpp"
#include "sim.hpp"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

std::vector<uint8_t> make_tcp(sim::World& w, net::TcpSock* s, const uint8_t* d, size_t n) {
    std::vector<uint8_t> f(54, 0);
    memcpy(&f[0], w.dev(1).mac, 6);
    memcpy(&f[6], w.dev(0).mac, 6);
    net::store16(&f[12], 0x0800);
    size_t payload = n > 8 ? n - 8 : 0;
    uint8_t* flags = nullptr;
    f.resize(54 + payload);
    net::write_ipv4(&f[14], w.addr(0), w.addr(1), net::kProtoTcp, uint16_t(40 + payload), 1, 64);
    uint8_t* t = &f[34];
    net::store16(t, s->remote.port);
    net::store16(t + 2, s->local.port);
    uint32_t dseq = n > 1 ? uint32_t(int8_t(d[0])) * 997u : 0;
    uint32_t dack = n > 2 ? uint32_t(int8_t(d[1])) * 1009u : 0;
    net::store32(t + 4, s->rcv_nxt + dseq);
    net::store32(t + 8, s->snd_una + dack);
    t[12] = 0x50;
    flags = &t[13];
    *flags = n > 3 ? uint8_t(d[2] & 0x3f) : net::kTcpAck;
    net::store16(t + 14, n > 5 ? net::load16(d + 3) : 1000);
    if (payload) memcpy(t + 20, d + 8, payload);
    uint16_t ps = net::pseudo_sum(w.addr(0), w.addr(1), net::kProtoTcp, uint32_t(20 + payload));
    net::store16(t + 16, uint16_t(~net::csum_partial(t, 20 + payload, ps)));
    return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    size_t blocks = guest_net_test::live_blocks();
    {
        sim::World w;
        w.max_step_ns = 1'000'000'000'000ull;  // jump from deadline to deadline
        sim::Pair p;
        check(sim::connect_pair(w, p));
        net::TcpSock* lo_listener = nullptr;
        net::tcp_create(w.stack(1), &lo_listener);
        net::tcp_bind(lo_listener, net::SockAddr{0, 81});
        net::tcp_listen(lo_listener, 4);
        net::UdpSock* u = nullptr;
        net::udp_create(w.stack(1), &u);
        net::udp_bind(u, net::SockAddr{0, 53});
        sim::send_bytes(p.server, "hello", 5);
        size_t pos = 0;
        int records = 0;
        while (pos + 4 <= size && records < 64) {
            size_t len = net::load16(data + pos) % 2048;
            uint8_t advance = data[pos + 2];
            uint8_t vflags = data[pos + 3];
            pos += 4;
            if (len > size - pos) len = size - pos;
            const uint8_t* b = data + pos;
            pos += len;
            ++records;
            w.run_for(uint64_t(advance) * 10'000'000ull);
            net::NetHdr vh{};
            vh.flags = vflags & 3;
            if (p.server != nullptr && p.server->state != net::TcpState::Closed &&
                (vflags & 0x80)) {
                w.inject(1, make_tcp(w, p.server, b, len), vh);
            } else {
                std::vector<uint8_t> f(b, b + len);
                w.inject(1, f, vh);
            }
            char buf[512];
            sim::recv_bytes(p.server, buf, sizeof(buf));
            net::tcp_poll(p.server);
        }
        w.run_for(1000'000'000'000ull);  // every timer runs out
        net::udp_close(u);
        net::tcp_close(lo_listener);
        sim::close_pair(p);
        w.run_for(1000'000'000'000ull);
    }
    check(guest_net_test::live_blocks() == blocks);
    return 0;
}
