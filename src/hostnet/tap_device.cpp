// TUNSETIFF with IFF_TUN_EXCL (never attach to someone else's device), then TUNSETPERSIST.
#include "hostnet/tap_device.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/fd.hpp"
#include "hostnet/addresses.hpp"

namespace domus::hostnet {

Status create_persistent_tap(std::string_view name, const char* tun_path) {
    if (auto e = interface_name_error("TAP name", name); !e.empty()) {
        return make_error(Errc::invalid_argument, e);
    }
    Fd tun(::open(tun_path, O_RDWR | O_CLOEXEC));
    if (!tun.valid()) {
        const int err = errno;
        return make_error(err == ENOENT ? Errc::unsupported : Errc::io,
                          std::string("cannot create TAP device ") + quoted(name) + ": " +
                              tun_path + ": " + std::strerror(err));
    }
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL;
    if (::ioctl(tun.get(), TUNSETIFF, &ifr) != 0) {
        const int err = errno;
        if (err == EBUSY || err == EEXIST) {
            return make_error(
                Errc::invalid_argument,
                "TAP name " + quoted(name) + " is taken: an interface of that name already exists");
        }
        return make_error(Errc::io,
                          "cannot create TAP device " + quoted(name) + ": " + std::strerror(err));
    }
    if (::ioctl(tun.get(), TUNSETPERSIST, 1) != 0) {
        // Closing the only file without persistence removes the device again.
        return make_error(Errc::io, "cannot make TAP device " + quoted(name) +
                                        " persistent: " + std::strerror(errno));
    }
    return {};
}

}  // namespace domus::hostnet
