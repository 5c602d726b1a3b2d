#include "sim.hpp"

#include "net/ether.hpp"

namespace sim {

uint64_t g_now = 1'000'000'000ull;

void random(void* out, size_t len) {
    static std::mt19937_64 r(42);
    auto* p = static_cast<uint8_t*>(out);
    for (size_t i = 0; i < len; ++i) p[i] = uint8_t(r());
}

struct Node {
    World* world;
    int index;
    net::Stack stack;
    net::NetDevice dev{};
};

namespace {

int node_transmit(net::NetDevice* dev, const net::NetHdr& hdr, const net::NetSeg* segs,
                  uint32_t count) {
    auto* n = static_cast<Node*>(dev->driver);
    return n->world->transmit(n->index, hdr, segs, count);
}

const net::NetDeviceOps kOps{node_transmit};

}  // namespace

World::World(int nodes, uint32_t offloads, uint64_t seed) : rng_(seed) {
    for (int i = 0; i < nodes; ++i) {
        auto n = std::make_unique<Node>();
        n->world = this;
        n->index = i;
        net::stack_init(n->stack, clock, random);
        n->dev.ops = &kOps;
        n->dev.driver = n.get();
        snprintf(n->dev.name, sizeof(n->dev.name), "eth0");
        uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, uint8_t(i + 1)};
        memcpy(n->dev.mac, mac, 6);
        n->dev.mtu = 1500;
        n->dev.offloads = offloads;
        nodes_.push_back(std::move(n));
    }
    for (int i = 0; i < nodes; ++i) {
        net::stack_register_device(stack(i), &dev(i));
        net::stack_configure(stack(i), "eth0", addr(i), 0xffffff00u, net::ip4(10, 0, 0, 254));
    }
    run_for(1'000'000);  // gratuitous ARPs delivered
}

World::~World() {
    for (auto& n : nodes_) net::stack_shutdown(n->stack);
}

net::Stack& World::stack(int i) {
    return nodes_[size_t(i)]->stack;
}

net::NetDevice& World::dev(int i) {
    return nodes_[size_t(i)]->dev;
}

int World::transmit(int from, const net::NetHdr& hdr, const net::NetSeg* segs, uint32_t count) {
    if (busy[from]) return -net::err::kEAGAIN;
    Frame f{hdr, {}, from};
    for (uint32_t i = 0; i < count; ++i) {
        auto* p = static_cast<const uint8_t*>(segs[i].data);
        f.bytes.insert(f.bytes.end(), p, p + segs[i].len);
    }
    net::NetDevice& d = dev(from);
    ++d.stats.tx_packets;
    d.stats.tx_bytes += f.bytes.size();
    if (record) sent.push_back(f);
    if (filter && !filter(f)) return 0;
    for (size_t to = 0; to < nodes_.size(); ++to) {
        if (int(to) == from) continue;
        enqueue(int(to), f);
    }
    return 0;
}

void World::enqueue(int to, Frame f) {
    uint32_t rx = dev(to).offloads;
    std::vector<std::vector<uint8_t>> pieces;
    net::NetHdr vh = f.vh;
    if (f.vh.gso_type == net::kGsoTcpV4 && !(rx & net::kOffloadRxTso4)) {
        pieces = segment_tso(f.vh, f.bytes);
        vh = net::NetHdr{};
    } else if ((f.vh.flags & net::kHdrNeedsCsum) && !(rx & net::kOffloadRxCsum)) {
        complete_csum(f.vh, f.bytes);
        vh = net::NetHdr{};
        pieces.push_back(std::move(f.bytes));
    } else {
        pieces.push_back(std::move(f.bytes));
    }
    std::uniform_real_distribution<double> u(0, 1);
    for (auto& p : pieces) {
        if (u(rng_) < loss) continue;
        int copies = u(rng_) < dup ? 2 : 1;
        for (int c = 0; c < copies; ++c) {
            uint64_t due = g_now + delay_ns;
            if (u(rng_) < reorder) due += rng_() % (jitter_ns + 1);
            queue_.emplace(due, std::make_pair(to, Frame{vh, p, f.from}));
        }
    }
}

void World::inject(int to, const std::vector<uint8_t>& bytes, net::NetHdr vh) {
    net::stack_receive(stack(to), &dev(to), vh, bytes.data(), bytes.size());
}

bool World::run(const std::function<bool()>& done, uint64_t limit_ns) {
    uint64_t end = g_now + limit_ns;
    for (;;) {
        while (!queue_.empty() && queue_.begin()->first <= g_now) {
            auto node = queue_.extract(queue_.begin());
            int to = node.mapped().first;
            Frame& f = node.mapped().second;
            net::NetDevice& d = dev(to);
            ++d.stats.rx_packets;
            d.stats.rx_bytes += f.bytes.size();
            net::stack_receive(stack(to), &d, f.vh, f.bytes.data(), f.bytes.size());
        }
        uint64_t next = end;
        for (auto& n : nodes_) {
            uint64_t dl = net::stack_next_deadline(n->stack);
            if (dl <= g_now) {
                net::stack_tick(n->stack, g_now);
                dl = net::stack_next_deadline(n->stack);
            }
            if (dl < next) next = dl;
        }
        if (done()) return true;
        if (!queue_.empty() && queue_.begin()->first < next) next = queue_.begin()->first;
        if (g_now >= end) return false;
        if (next <= g_now) next = g_now + 1;
        // Advance in small steps so that applications in `done` run often.
        uint64_t step = g_now + max_step_ns;
        g_now = next < step ? next : step;
    }
}

std::vector<std::vector<uint8_t>> segment_tso(const net::NetHdr& vh,
                                              const std::vector<uint8_t>& f) {
    std::vector<std::vector<uint8_t>> out;
    const uint32_t ip_off = 14;
    uint32_t ihl = (f[ip_off] & 0xf) * 4;
    uint32_t tcp_off = ip_off + ihl;
    uint32_t thl = (f[tcp_off + 12] >> 4) * 4;
    uint32_t hdrs = tcp_off + thl;
    uint32_t payload = uint32_t(f.size()) - hdrs;
    uint32_t mss = vh.gso_size;
    uint32_t seq = net::load32(&f[tcp_off + 4]);
    uint16_t id = net::load16(&f[ip_off + 4]);
    uint8_t flags = f[tcp_off + 13];
    for (uint32_t off = 0, i = 0; off < payload; off += mss, ++i) {
        uint32_t n = payload - off < mss ? payload - off : mss;
        std::vector<uint8_t> s(f.begin(), f.begin() + hdrs);
        s.insert(s.end(), f.begin() + hdrs + off, f.begin() + hdrs + off + n);
        net::store16(&s[ip_off + 2], uint16_t(ihl + thl + n));
        net::store16(&s[ip_off + 4], uint16_t(id + i));
        net::store16(&s[ip_off + 10], 0);
        net::store16(&s[ip_off + 10], net::ip_checksum(&s[ip_off], ihl));
        net::store32(&s[tcp_off + 4], seq + off);
        bool last = off + n == payload;
        s[tcp_off + 13] = last ? flags : uint8_t(flags & ~(net::kTcpFin | net::kTcpPsh));
        net::store16(&s[tcp_off + 16], 0);
        uint32_t src = net::load32(&s[ip_off + 12]), dst = net::load32(&s[ip_off + 16]);
        uint16_t ps = net::pseudo_sum(src, dst, net::kProtoTcp, thl + n);
        net::store16(&s[tcp_off + 16], uint16_t(~net::csum_partial(&s[tcp_off], thl + n, ps)));
        out.push_back(std::move(s));
    }
    return out;
}

void complete_csum(const net::NetHdr& vh, std::vector<uint8_t>& f) {
    uint32_t start = vh.csum_start;
    uint16_t sum = net::csum_partial(&f[start], f.size() - start, 0);
    uint16_t v = uint16_t(~sum);
    // UDP: 0 means "no checksum", so the complement of 0xffff is sent as 0xffff.
    if (v == 0 && vh.csum_offset == 6) v = 0xffff;
    net::store16(&f[start + vh.csum_offset], v);
}

int copy_in(void* ctx, size_t off, void* dst, size_t len) {
    memcpy(dst, static_cast<Src*>(ctx)->data + off, len);
    return 0;
}

int copy_out(void* ctx, size_t off, const void* src, size_t len) {
    memcpy(static_cast<Dst*>(ctx)->data + off, src, len);
    return 0;
}

long send_bytes(net::TcpSock* t, const void* data, size_t len) {
    Src s{static_cast<const uint8_t*>(data)};
    return net::tcp_send(t, copy_in, &s, len, 0);
}

long recv_bytes(net::TcpSock* t, void* data, size_t len, int flags) {
    Dst d{static_cast<uint8_t*>(data)};
    return net::tcp_recv(t, copy_out, &d, len, flags);
}

std::string recv_all(net::TcpSock* t) {
    std::string out;
    char buf[65536];
    for (;;) {
        long n = recv_bytes(t, buf, sizeof(buf));
        if (n <= 0) break;
        out.append(buf, size_t(n));
    }
    return out;
}

bool connect_pair(World& w, Pair& p, uint16_t port, int cn, int sn) {
    if (net::tcp_create(w.stack(sn), &p.listener) != 0) return false;
    if (net::tcp_bind(p.listener, net::SockAddr{0, port}) != 0) return false;
    if (net::tcp_listen(p.listener, 16) != 0) return false;
    if (net::tcp_create(w.stack(cn), &p.client) != 0) return false;
    if (net::tcp_connect(p.client, net::SockAddr{w.addr(sn), port}) != -net::err::kEINPROGRESS) {
        return false;
    }
    return w.run(
        [&] {
            if (p.server == nullptr) net::tcp_accept(p.listener, &p.server, nullptr);
            return p.server != nullptr && (net::tcp_poll(p.client) & net::kPollOut);
        },
        10'000'000'000ull);
}

void close_pair(Pair& p) {
    if (p.client) net::tcp_close(p.client);
    if (p.server) net::tcp_close(p.server);
    if (p.listener) net::tcp_close(p.listener);
    p = Pair{};
}

TcpView view_tcp(const std::vector<uint8_t>& f) {
    TcpView v;
    if (f.size() < 54 || net::load16(&f[12]) != 0x0800 || f[23] != 6) return v;
    uint32_t ihl = (f[14] & 0xf) * 4;
    const uint8_t* t = &f[14 + ihl];
    v.ip_total = net::load16(&f[16]);
    v.src = net::load32(&f[26]);
    v.dst = net::load32(&f[30]);
    v.sport = net::load16(t);
    v.dport = net::load16(t + 2);
    v.seq = net::load32(t + 4);
    v.ack = net::load32(t + 8);
    v.flags = t[13];
    v.window = net::load16(t + 14);
    v.payload_len = v.ip_total - ihl - (t[12] >> 4) * 4;
    v.ok = true;
    return v;
}

uint32_t fnv(const uint8_t* p, size_t n, uint32_t h) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
    return h;
}

}  // namespace sim
