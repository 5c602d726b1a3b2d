// Accepts connections on one listening socket (Unix or TCP) and starts an HttpSession for
// each, on its own strand. Over its listener's limit (max_connections_unix or _tcp, counted
// apart so that TCP clients cannot take the Unix socket's slots): a 503 and close. Out of
// descriptors: a short pause and retry, never a busy loop.
#pragma once

#include <memory>

#include "api/beast.hpp"
#include "api/server_context.hpp"
#include "base/fd.hpp"

namespace domus::api {

class Listener : public std::enable_shared_from_this<Listener> {
  public:
    // `fd` is a bound, listening socket of address family `family`; TCP ones need the token.
    Listener(ServerContext& ctx, asio::io_context& ioc, Fd fd, int family);
    void start();
    void stop();  // thread-safe; pending accepts end

  private:
    void accept();
    void on_accept(beast::error_code ec, Socket socket);
    void reject(Socket& socket);

    ServerContext& ctx_;
    asio::io_context& ioc_;
    asio::basic_socket_acceptor<Protocol> acceptor_;
    asio::steady_timer retry_;
    bool tcp_;
};

}  // namespace domus::api
