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

#include <cstring>
#include <fstream>
#include <string>

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

}  // namespace domus::test::guest
