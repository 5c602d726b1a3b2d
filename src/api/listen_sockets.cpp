// socket/bind/listen for the TCP listener; the Unix one is vmm::unix_listen's.
#include "api/listen_sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "vmm/unix_socket.hpp"

namespace domus::api {
namespace {

Error sys_error(const std::string& what) {
    return make_error(Errc::io, what + ": " + std::strerror(errno));
}

}  // namespace

Result<Fd> open_unix_listener(const std::string& path, int backlog) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!path.empty() && !parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return make_error(Errc::io, "cannot create " + parent.string() + ": " + ec.message());
    return vmm::unix_listen(
        path, {.mode = 0660, .backlog = backlog, .what = "API socket", .peer = "server"});
}

Result<TcpAddress> parse_listen_address(std::string_view text) {
    const auto bad = [&](const char* why) {
        return make_error(Errc::invalid_argument,
                          "listen address \"" + std::string(text) + "\" " + why +
                              " (expected ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)");
    };
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("has no port");
    std::string_view host = text.substr(0, colon);
    const std::string_view port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string_view::npos) {
        return bad("needs brackets around an IPv6 address");
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
        return bad("has a bad port");
    }
    TcpAddress out{std::string(host), static_cast<uint16_t>(value)};
    in6_addr v6{};
    in_addr v4{};
    if (::inet_pton(AF_INET, out.host.c_str(), &v4) != 1 &&
        ::inet_pton(AF_INET6, out.host.c_str(), &v6) != 1) {
        return bad("has no numeric IP address");
    }
    return out;
}

Result<Fd> open_tcp_listener(const TcpAddress& address, int backlog) {
    sockaddr_storage storage{};
    socklen_t len = 0;
    int family = AF_INET;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (::inet_pton(AF_INET, address.host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(address.port);
        len = sizeof *v4;
    } else if (::inet_pton(AF_INET6, address.host.c_str(), &v6->sin6_addr) == 1) {
        family = AF_INET6;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(address.port);
        len = sizeof *v6;
    } else {
        return make_error(Errc::invalid_argument, "\"" + address.host + "\" is not an IP address");
    }
    Fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) return sys_error("socket(TCP)");
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const std::string where = address.host + ":" + std::to_string(address.port);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&storage), len) != 0) {
        return sys_error("cannot bind " + where);
    }
    if (::listen(fd.get(), backlog) != 0) return sys_error("listen on " + where);
    return fd;
}

uint16_t bound_port(int fd) {
    sockaddr_storage storage{};
    socklen_t len = sizeof storage;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len) != 0) return 0;
    if (storage.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
    }
    if (storage.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
    }
    return 0;
}

}  // namespace domus::api
