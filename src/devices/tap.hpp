// A TAP device on the host carrying one guest NIC's frames, each preceded by virtio-net's
// 12-byte header (IFF_VNET_HDR, TUNSETVNETHDRSZ 12) so that checksum and segmentation offload
// pass through. Opening attaches to an existing TAP of that name (a persistent one that domusd
// made and put on its bridge) or creates one that lives as long as this descriptor (brought
// up, for `domus run`). The descriptor is non-blocking. Messages name the device.
#pragma once

#include <cstdint>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus {

// TUNSETOFFLOAD bits: what the TAP may hand us (the guest's receive offloads).
inline constexpr unsigned kTapOffloadCsum = 0x01;  // TUN_F_CSUM
inline constexpr unsigned kTapOffloadTso4 = 0x02;  // TUN_F_TSO4

class Tap {
  public:
    static Result<Tap> open(const std::string& name);

    int fd() const { return fd_.get(); }
    const std::string& name() const { return name_; }
    bool created() const { return created_; }  // by us: it goes away with the descriptor
    // Which offloaded frames the TAP may deliver (kTapOffload*). An Error names the device.
    Status set_offloads(unsigned offloads) const;

  private:
    Tap(Fd fd, std::string name, bool created)
        : fd_(std::move(fd)), name_(std::move(name)), created_(created) {}
    Fd fd_;
    std::string name_;
    bool created_ = false;
};

}  // namespace domus
