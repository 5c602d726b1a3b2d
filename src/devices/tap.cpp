#include "devices/tap.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "devices/virtio_net_hdr.hpp"

namespace domus {

namespace {

Error tap_error(const std::string& name, const std::string& what, int err) {
    return make_error(err == ENOMEM ? Errc::resource : Errc::io,
                      "TAP device '" + name + "': " + what + ": " + std::strerror(err));
}

// IFF_UP on an interface we made, so that `domus run --net` needs only an address on the host.
Status bring_up(const std::string& name) {
    Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock.valid()) return tap_error(name, "socket for SIOCSIFFLAGS", errno);
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) < 0) return tap_error(name, "SIOCGIFFLAGS", errno);
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) < 0)
        return tap_error(name, "bringing it up", errno);
    return {};
}

}  // namespace

Result<Tap> Tap::open(const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ) {
        return make_error(Errc::invalid_argument, "TAP device name '" + name + "' is not 1.." +
                                                      std::to_string(IFNAMSIZ - 1) + " bytes");
    }
    Fd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid()) {
        const int err = errno;
        if (err == ENOENT) {
            return make_error(Errc::not_found, "TAP device '" + name +
                                                   "': /dev/net/tun does not exist (no TUN/TAP "
                                                   "support on this host)");
        }
        return tap_error(name, "opening /dev/net/tun", err);
    }
    const bool existed = ::if_nametoindex(name.c_str()) != 0;
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
        const int err = errno;
        if (err == EBUSY) return tap_error(name, "it is in use by another process", err);
        if (err == EINVAL && existed) {
            return tap_error(name, "an interface of that name exists and is not a TAP device", err);
        }
        if (err == EPERM) return tap_error(name, "not permitted to attach to it", err);
        return tap_error(name, "TUNSETIFF", err);
    }
    int hdr_bytes = static_cast<int>(kNetHdrBytes);
    if (::ioctl(fd.get(), TUNSETVNETHDRSZ, &hdr_bytes) < 0) {
        return tap_error(name, "TUNSETVNETHDRSZ", errno);
    }
    Tap tap(std::move(fd), name, !existed);
    if (auto st = tap.set_offloads(0); !st) return st.error();
    if (tap.created_) {
        if (auto st = bring_up(name); !st) return st.error();
    }
    return tap;
}

Status Tap::set_offloads(unsigned offloads) const {
    if (::ioctl(fd_.get(), TUNSETOFFLOAD, static_cast<unsigned long>(offloads)) < 0) {
        return tap_error(name_, "TUNSETOFFLOAD " + std::to_string(offloads), errno);
    }
    return {};
}

}  // namespace domus
