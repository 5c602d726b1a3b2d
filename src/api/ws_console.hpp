// GET /v1/domains/{name}/console/ws after the upgrade: relays a domain's console both ways.
// Client frames (binary or text) are written to the console socket the Controller gave;
// console output goes to the client as binary frames, after `scrollback` (the console's last
// lines, read just after attaching: a line written in between may come twice, none is lost).
// Either side closing closes both.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "api/beast.hpp"
#include "api/server_context.hpp"
#include "base/fd.hpp"

namespace domus::api {

// S: the connection's stream (PlainStream or TlsStream: the frames then go over TLS).
template <class S>
class WsConsole : public std::enable_shared_from_this<WsConsole<S>> {
  public:
    WsConsole(ServerContext& ctx, S stream, ConnectionSlot slot, Fd console,
              std::string scrollback = {});
    // Answers the upgrade request, then relays until either side closes.
    void start(Request upgrade);

  private:
    void read_console();
    void read_client();
    void close_client(websocket::close_code code);
    void close_console();

    ServerContext& ctx_;
    websocket::stream<S> ws_;
    ConnectionSlot slot_;
    ConnectionSlot client_slot_;  // counted in the console clients gauge while it lives
    Socket console_;
    Request upgrade_;
    std::string scrollback_;
    beast::flat_buffer from_client_;
    std::array<char, 16384> from_console_{};
    bool closing_ = false;
};

}  // namespace domus::api
