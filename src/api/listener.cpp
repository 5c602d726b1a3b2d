// The accept loop.
#include "api/listener.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "api/session.hpp"

namespace domus::api {

Listener::Listener(ServerContext& ctx, asio::io_context& ioc, Fd fd, int family)
    : ctx_(ctx),
      ioc_(ioc),
      acceptor_(asio::make_strand(ioc)),
      retry_(acceptor_.get_executor()),
      tcp_(family != AF_UNIX) {
    beast::error_code ec;
    acceptor_.assign(Protocol(family, family == AF_UNIX ? 0 : IPPROTO_TCP), fd.release(), ec);
}

void Listener::start() {
    asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
}

void Listener::stop() {
    asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
        beast::error_code ignored;
        self->acceptor_.close(ignored);
        self->retry_.cancel();
    });
}

void Listener::accept() {
    if (!acceptor_.is_open()) return;
    acceptor_.async_accept(asio::make_strand(ioc_),
                           [self = shared_from_this()](beast::error_code ec, Socket socket) {
                               self->on_accept(ec, std::move(socket));
                           });
}

void Listener::on_accept(beast::error_code ec, Socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
        // EMFILE/ENFILE/ENOBUFS (or a connection reset before we took it): wait a moment.
        if (ec != asio::error::connection_aborted) {
            ctx_.log("accept failed: " + ec.message());
            retry_.expires_after(std::chrono::milliseconds(100));
            retry_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
                if (!wait_ec) self->accept();
            });
            return;
        }
        return accept();
    }
    // asio's accept() does not set close-on-exec; monitors the daemon starts must not inherit
    // client connections.
    ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
    if (tcp_) {
        // A reply is written whole (header and body in one gather write): Nagle's algorithm
        // would only hold its last segment back until the client's delayed ACK.
        const int one = 1;
        ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    auto& count = tcp_ ? ctx_.tcp_connections : ctx_.unix_connections;
    const size_t limit =
        tcp_ ? ctx_.options.max_connections_tcp : ctx_.options.max_connections_unix;
    if (count.load() >= limit) {
        reject(socket);
    } else {
        try {
            if (tcp_ && ctx_.tls) {
                std::make_shared<HttpsSession>(ctx_, TlsStream(std::move(socket), *ctx_.tls), true,
                                               ConnectionSlot(&count))
                    ->start();
            } else {
                std::make_shared<HttpSession>(ctx_, PlainStream(std::move(socket)), tcp_,
                                              ConnectionSlot(&count))
                    ->start();
            }
        } catch (const std::exception& e) {
            ctx_.log(std::string("cannot start a session: ") + e.what());
        }
    }
    accept();
}

// A best-effort 503 written without blocking, then close.
void Listener::reject(Socket& socket) {
    static constexpr char kBody[] =
        "{\"error\":{\"code\":\"unavailable\",\"message\":\"too many connections\"}}\n";
    const std::string response =
        "HTTP/1.1 503 Service Unavailable\r\nServer: domusd\r\n"
        "Content-Type: application/json\r\nConnection: close\r\n"
        "Content-Length: " +
        std::to_string(sizeof kBody - 1) + "\r\n\r\n" + kBody;
    [[maybe_unused]] const ssize_t n = ::send(socket.native_handle(), response.data(),
                                              response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    beast::error_code ignored;
    socket.close(ignored);
}

}  // namespace domus::api
