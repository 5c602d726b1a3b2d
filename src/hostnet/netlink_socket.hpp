// A NETLINK_ROUTE socket in the caller's network namespace: one request at a time, answered
// by its ack (or error) or its reply. Not thread-safe: one owner.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "hostnet/netlink_message.hpp"

namespace domus::hostnet {

class Netlink {
  public:
    static Result<Netlink> open();

    // Sends a request with NLM_F_ACK and waits for its ack: the kernel's errno as an error
    // naming `what` ("creating bridge domus0").
    Status execute(const nl::Message& request, const std::string& what);
    // RTM_GETLINK by name: nullopt when there is no such interface.
    Result<std::optional<nl::LinkInfo>> link(std::string_view name);

  private:
    explicit Netlink(Fd fd) : fd_(std::move(fd)) {}
    // Sends and reads replies with our sequence number until the ack, an error or one reply.
    Result<std::vector<uint8_t>> round_trip(const nl::Message& request, int& error);

    Fd fd_;
    uint32_t seq_ = 1;
};

}  // namespace domus::hostnet
