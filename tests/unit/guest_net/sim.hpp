// A simulated network for the stack's tests: N stacks, each with one fake Ethernet device, on
// one segment with injectable loss, duplication, reordering and delay, and a virtual clock.
// The link behaves like the host side of virtio-net: a TSO frame is segmented (and every
// checksum completed) for a receiver that does not take TSO, a checksum-offloaded frame gets
// its checksum for a receiver that does not take NEEDS_CSUM. Every frame sent is recorded
// for inspection.
#pragma once

#include <stdint.h>
#include <string.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "net/checksum.hpp"
#include "net/ipv4.hpp"
#include "net/netdev.hpp"
#include "net/stack.hpp"
#include "net/tcp.hpp"
#include "net/tcp_socket.hpp"
#include "net/udp.hpp"

namespace sim {

extern uint64_t g_now;  // the virtual clock (ns)
inline uint64_t clock() {
    return g_now;
}
void random(void* out, size_t len);

struct Frame {
    net::NetHdr vh;
    std::vector<uint8_t> bytes;
    int from;
};

struct Node;

class World {
  public:
    explicit World(int nodes = 2, uint32_t offloads = 0, uint64_t seed = 1);
    ~World();

    net::Stack& stack(int i);
    net::NetDevice& dev(int i);
    uint32_t addr(int i) const { return net::ip4(10, 0, 0, uint8_t(i + 1)); }

    // Link impairments (probabilities 0..1, per frame; delay in ns; reorder adds 0..jitter).
    double loss = 0, dup = 0, reorder = 0;
    uint64_t delay_ns = 100'000;  // 0.1 ms one way
    uint64_t jitter_ns = 2'000'000;
    // The clock advances at most this much per step (applications in `done` run that often).
    uint64_t max_step_ns = 1'000'000;
    // A filter on every frame leaving a node: false drops it (scripted losses).
    std::function<bool(const Frame&)> filter;
    // Every frame as the sender handed it to its device.
    std::vector<Frame> sent;
    bool record = false;
    // A device that refuses frames (-EAGAIN) while set.
    bool busy[4] = {};

    // Runs the world (delivering frames, ticking stacks, advancing the clock) until `done`
    // is true or `limit_ns` of virtual time passed. `done` runs at every step.
    bool run(const std::function<bool()>& done, uint64_t limit_ns);
    void run_for(uint64_t ns) {
        run([] { return false; }, ns);
    }
    // Puts a hand-made frame on the wire to node `to` (raw test input).
    void inject(int to, const std::vector<uint8_t>& bytes, net::NetHdr vh = {});

    size_t in_flight() const { return queue_.size(); }

    // The fake devices' transmit.
    int transmit(int from, const net::NetHdr& hdr, const net::NetSeg* segs, uint32_t count);

  private:
    void enqueue(int to, Frame f);
    std::vector<std::unique_ptr<Node>> nodes_;
    std::multimap<uint64_t, std::pair<int, Frame>> queue_;
    std::mt19937_64 rng_;
};

// Software segmentation of a TSO frame (what the host's TAP does): every piece with correct
// IP and TCP checksums.
std::vector<std::vector<uint8_t>> segment_tso(const net::NetHdr& vh, const std::vector<uint8_t>& f);
// Completes a NEEDS_CSUM frame's checksum in place.
void complete_csum(const net::NetHdr& vh, std::vector<uint8_t>& f);

// Copy callbacks over host buffers.
struct Src {
    const uint8_t* data;
};
struct Dst {
    uint8_t* data;
};
int copy_in(void* ctx, size_t off, void* dst, size_t len);
int copy_out(void* ctx, size_t off, const void* src, size_t len);

long send_bytes(net::TcpSock* t, const void* data, size_t len);
long recv_bytes(net::TcpSock* t, void* data, size_t len, int flags = 0);
std::string recv_all(net::TcpSock* t);  // whatever is readable now

// A connected pair: a listener on node 1 port `port`, a client on node 0, accepted.
struct Pair {
    net::TcpSock* listener = nullptr;
    net::TcpSock* client = nullptr;
    net::TcpSock* server = nullptr;
};
bool connect_pair(World& w, Pair& p, uint16_t port = 80, int client_node = 0, int server_node = 1);
void close_pair(Pair& p);

// Parses the IPv4/TCP headers of an Ethernet frame (tests' inspection).
struct TcpView {
    bool ok = false;
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    uint32_t payload_len;
    uint16_t ip_total;
};
TcpView view_tcp(const std::vector<uint8_t>& f);

uint32_t fnv(const uint8_t* p, size_t n, uint32_t h = 2166136261u);

}  // namespace sim
