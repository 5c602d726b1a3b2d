// The NETLINK_ROUTE socket: send one request, read until its answer.
#include "hostnet/netlink_socket.hpp"

#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace domus::hostnet {
namespace {

constexpr int kReplyTimeoutMs = 5000;

}  // namespace

Result<Netlink> Netlink::open() {
    Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd.valid()) {
        return make_error(Errc::io,
                          std::string("cannot open a netlink socket: ") + std::strerror(errno));
    }
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        return make_error(Errc::io,
                          std::string("cannot bind a netlink socket: ") + std::strerror(errno));
    }
    const int one = 1;
    // Extended acks are not needed; errors come back as errno values.
    (void)::setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    return Netlink(std::move(fd));
}

Result<std::vector<uint8_t>> Netlink::round_trip(const nl::Message& request, int& error) {
    const uint32_t seq = seq_++;
    const std::vector<uint8_t> bytes = request.finish(seq);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd_.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) < 0) {
        return make_error(Errc::io, std::string("netlink send: ") + std::strerror(errno));
    }
    std::vector<uint8_t> buf(64 * 1024);
    while (true) {
        pollfd p{fd_.get(), POLLIN, 0};
        const int ready = ::poll(&p, 1, kReplyTimeoutMs);
        if (ready == 0) return make_error(Errc::io, "netlink: no answer from the kernel");
        if (ready < 0 && errno == EINTR) continue;
        const ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(Errc::io, std::string("netlink receive: ") + std::strerror(errno));
        }
        auto replies = nl::split(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
        if (!replies) return replies.error();
        for (const nl::Reply& r : *replies) {
            if (r.seq != seq) continue;  // a late answer to an earlier request
            if (r.type == NLMSG_ERROR) {
                error = r.error;
                return std::vector<uint8_t>{};
            }
            // The one reply of a GET: copy it out with its header for parse_link.
            error = 0;
            const uint8_t* start = r.payload.data() - sizeof(nlmsghdr);
            return std::vector<uint8_t>(start, r.payload.data() + r.payload.size());
        }
    }
}

Status Netlink::execute(const nl::Message& request, const std::string& what) {
    int error = 0;
    auto reply = round_trip(request, error);
    if (!reply) return make_error(reply.error().code, what + ": " + reply.error().message);
    if (error != 0) return make_error(Errc::io, what + ": " + std::strerror(error));
    return {};
}

Result<std::optional<nl::LinkInfo>> Netlink::link(std::string_view name) {
    int error = 0;
    auto reply = round_trip(nl::get_link(name), error);
    if (!reply) return reply.error();
    if (error == ENODEV) return std::optional<nl::LinkInfo>();
    if (error != 0) {
        return make_error(Errc::io,
                          "looking up interface " + quoted(name) + ": " + std::strerror(error));
    }
    auto msgs = nl::split(*reply);
    if (!msgs) return msgs.error();
    if (msgs->empty()) return make_error(Errc::io, "netlink: an empty reply");
    auto info = nl::parse_link(msgs->front());
    if (!info) return info.error();
    return std::optional<nl::LinkInfo>(std::move(*info));
}

}  // namespace domus::hostnet
