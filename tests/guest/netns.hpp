// Network tests stay inside a network namespace of their own: the TAP devices, addresses and
// every packet live there, and nothing touches the machine's interfaces. Helpers to enter one,
// make a persistent TAP device in it, and talk raw Ethernet on an interface.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace domus::test::guest {

// This thread (and the processes and threads it starts from now on) in a new network
// namespace with IPv6 off (no router solicitations on the TAP devices). "" or what failed.
inline std::string enter_private_netns() {
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "no /dev/net/tun";
    if (::unshare(CLONE_NEWNET) != 0)
        return std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
    std::ofstream("/proc/sys/net/ipv6/conf/default/disable_ipv6") << "1";
    std::ofstream("/proc/sys/net/ipv6/conf/all/disable_ipv6") << "1";
    return {};
}

// A persistent TAP device (IFF_VNET_HDR, as domusd makes them), brought up. "" or the error.
inline std::string make_tap(const std::string& name) {
    const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return "open /dev/net/tun failed";
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    const bool ok = ::ioctl(fd, TUNSETIFF, &ifr) == 0 && ::ioctl(fd, TUNSETPERSIST, 1) == 0;
    ::close(fd);
    if (!ok) return "TUNSETIFF/TUNSETPERSIST " + name + " failed";
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq up{};
    std::strncpy(up.ifr_name, name.c_str(), IFNAMSIZ - 1);
    bool raised = s >= 0 && ::ioctl(s, SIOCGIFFLAGS, &up) == 0;
    up.ifr_flags = short(up.ifr_flags | IFF_UP);
    raised = raised && ::ioctl(s, SIOCSIFFLAGS, &up) == 0;
    if (s >= 0) ::close(s);
    return raised ? "" : "bringing " + name + " up failed";
}

// `ip` (iproute2) with these arguments, in this thread's namespace; "" or its complaint.
inline std::string ip_command(const std::string& args) {
    const std::string cmd = "ip " + args + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return "popen failed";
    std::string out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
    const int status = ::pclose(p);
    return status == 0 ? "" : "ip " + args + ": " + out;
}

// A persistent TAP `name` with the host's address `cidr` (e.g. "10.0.0.1/24"), up.
inline std::string make_host_tap(const std::string& name, const std::string& cidr) {
    if (std::string e = make_tap(name); !e.empty()) return e;
    if (std::string e = ip_command("addr add " + cidr + " dev " + name); !e.empty()) return e;
    return ip_command("link set lo up");
}

// Raw Ethernet on one interface (a packet socket bound to it).
class PacketSocket {
  public:
    explicit PacketSocket(const std::string& ifname) {
        fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = int(::if_nametoindex(ifname.c_str()));
        ifindex_ = sll.sll_ifindex;
        if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~PacketSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    PacketSocket(const PacketSocket&) = delete;
    PacketSocket& operator=(const PacketSocket&) = delete;
    bool ok() const { return fd_ >= 0; }
    bool send(const std::string& frame) {
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_ifindex = ifindex_;
        sll.sll_halen = 6;
        return ::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&sll),
                        sizeof sll) == ssize_t(frame.size());
    }
    // The next frame of `ether_type` within `ms` ("" when none).
    std::string receive(int ms, uint16_t ether_type) {
        std::string buf(70000, '\0');
        for (int waited = 0; waited <= ms; waited += 10) {
            const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
            if (n < 0) {
                ::poll(nullptr, 0, 10);
                continue;
            }
            if (n >= 14 && uint8_t(buf[12]) == (ether_type >> 8) &&
                uint8_t(buf[13]) == (ether_type & 0xff)) {
                return buf.substr(0, size_t(n));
            }
        }
        return {};
    }

  private:
    int fd_ = -1;
    int ifindex_ = 0;
};

// A lossy link in user space (this kernel has no netem): the guest's TAP `guest_tap` (the
// monitor holds it; this end is a packet socket on it) and a TAP `host_tap` carrying the
// host's address, with frames copied between them by a thread that drops each with
// probability `loss` (a fixed pseudo-random sequence). virtio-net headers pass through both
// ways (PACKET_VNET_HDR, IFF_VNET_HDR), so TSO frames cross whole (and are dropped whole).
class LossyLink {
  public:
    LossyLink(const std::string& guest_tap, const std::string& host_tap, double loss)
        : loss_(loss) {
        tap_ = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, host_tap.c_str(), IFNAMSIZ - 1);
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
        ok_ = tap_ >= 0 && ::ioctl(tap_, TUNSETIFF, &ifr) == 0;
        unsigned offloads = TUN_F_CSUM | TUN_F_TSO4;  // the host may hand us TSO frames
        ok_ = ok_ && ::ioctl(tap_, TUNSETOFFLOAD, offloads) == 0;
        pkt_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
        int one = 1;
        ok_ = ok_ && pkt_ >= 0 &&
              ::setsockopt(pkt_, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) == 0;
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = int(::if_nametoindex(guest_tap.c_str()));
        ifindex_ = sll.sll_ifindex;
        ok_ = ok_ && ::bind(pkt_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) == 0;
        if (ok_) thread_ = std::thread([this] { run(); });
    }
    ~LossyLink() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (tap_ >= 0) ::close(tap_);
        if (pkt_ >= 0) ::close(pkt_);
    }
    LossyLink(const LossyLink&) = delete;
    LossyLink& operator=(const LossyLink&) = delete;
    bool ok() const { return ok_; }
    uint64_t forwarded() const { return forwarded_; }
    uint64_t dropped() const { return dropped_; }

  private:
    bool drop() {
        rng_ ^= rng_ << 13;
        rng_ ^= rng_ >> 7;
        rng_ ^= rng_ << 17;
        return double(rng_ % 1000000) < loss_ * 1e6;
    }
    void run() {
        std::string buf(70000, '\0');
        while (!stop_) {
            pollfd fds[2] = {{pkt_, POLLIN, 0}, {tap_, POLLIN, 0}};
            if (::poll(fds, 2, 50) <= 0) continue;
            if (fds[0].revents & POLLIN) {  // from the guest: into the host's TAP
                sockaddr_ll from{};
                socklen_t len = sizeof from;
                const ssize_t n = ::recvfrom(pkt_, buf.data(), buf.size(), 0,
                                             reinterpret_cast<sockaddr*>(&from), &len);
                // Only what the guest sent (the TAP's "incoming"), not our own injections.
                if (n > 0 && from.sll_pkttype != PACKET_OUTGOING) forward(buf.data(), n, true);
            }
            if (fds[1].revents & POLLIN) {  // from the host: out of the guest's TAP
                const ssize_t n = ::read(tap_, buf.data(), buf.size());
                if (n > 0) forward(buf.data(), n, false);
            }
        }
    }
    void forward(const char* frame, ssize_t n, bool to_host) {
        if (drop()) {
            ++dropped_;
            return;
        }
        ++forwarded_;
        if (to_host) {
            (void)!::write(tap_, frame, size_t(n));
        } else {
            sockaddr_ll sll{};
            sll.sll_family = AF_PACKET;
            sll.sll_ifindex = ifindex_;
            sll.sll_halen = 6;
            (void)!::sendto(pkt_, frame, size_t(n), 0, reinterpret_cast<sockaddr*>(&sll),
                            sizeof sll);
        }
    }

    double loss_;
    int tap_ = -1, pkt_ = -1, ifindex_ = 0;
    bool ok_ = false;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> forwarded_{0}, dropped_{0};
    uint64_t rng_ = 0x9e3779b97f4a7c15ull;
    std::thread thread_;
};

}  // namespace domus::test::guest
