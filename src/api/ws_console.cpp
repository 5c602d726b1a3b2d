// The console WebSocket: the handoff from HttpSession and the two relay loops.
#include "api/ws_console.hpp"

#include <sys/socket.h>

#include "api/http_reply.hpp"
#include "api/session.hpp"

namespace domus::api {

template <class S>
void BasicHttpSession<S>::start_console(const ApiRequest& request) {
    if (!websocket::is_upgrade(request_)) {
        return reply(error_reply(400, "bad_request",
                                 "GET /v1/domains/{name}/console/ws needs a WebSocket upgrade "
                                 "(Connection: Upgrade, Upgrade: websocket)"),
                     keep_alive_);
    }
    struct Attached {
        control::ApiResult<Fd> console;
        std::string scrollback;
    };
    ctx_.run_blocking(
        stream_.get_executor(),
        [&ctx = ctx_, name = request.name, tail = request.tail]() -> Attached {
            try {
                Attached a{ctx.controller.console_attach(name), {}};
                if (a.console.ok() && tail > 0) {  // after attaching: overlap, never a gap
                    auto lines = ctx.controller.console_tail(name, tail);
                    if (lines.ok()) a.scrollback = std::move(lines.value());
                }
                return a;
            } catch (...) {
                return Attached{control::ApiError{500, "internal", "console_attach failed", {}},
                                {}};
            }
        },
        [self = this->shared_from_this()](Attached a) {
            control::ApiResult<Fd>& attached = a.console;
            if (!attached.ok() || !attached.value().valid()) {
                const control::ApiError e =
                    attached.ok() ? control::ApiError{500, "internal", "no console socket", {}}
                                  : attached.error();
                return self->reply(error_reply(e), self->keep_alive_);
            }
            self->log_and_count(101);
            auto ws = std::make_shared<WsConsole<S>>(
                self->ctx_, std::move(self->stream_), std::move(self->slot_),
                std::move(attached.value()), std::move(a.scrollback));
            ws->start(std::move(self->request_));
        });
}

template <class S>
WsConsole<S>::WsConsole(ServerContext& ctx, S stream, ConnectionSlot slot, Fd console,
                        std::string scrollback)
    : ctx_(ctx),
      ws_(std::move(stream)),
      slot_(std::move(slot)),
      client_slot_(&ctx.api_metrics.console_clients),
      console_(ws_.get_executor()),
      scrollback_(std::move(scrollback)) {
    beast::error_code ec;
    // The console is a connected stream socket (Controller::console_attach); a Unix-family
    // generic socket sends with MSG_NOSIGNAL, so a vanished monitor is an error, not SIGPIPE.
    console_.assign(Protocol(AF_UNIX, 0), console.release(), ec);
}

template <class S>
void WsConsole<S>::start(Request upgrade) {
    upgrade_ = std::move(upgrade);
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream has its own timeouts
    websocket::stream_base::timeout t{};
    t.handshake_timeout = ctx_.options.request_timeout;
    t.idle_timeout = ctx_.options.idle_timeout;  // pinged halfway; no answer at all -> closed
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.read_message_max(ctx_.options.max_body_bytes);
    ws_.binary(true);
    ws_.async_accept(upgrade_, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->close_console();
        if (self->scrollback_.empty()) {
            self->read_console();
            return self->read_client();
        }
        self->ws_.async_write(asio::buffer(self->scrollback_),
                              [self](beast::error_code ec, size_t) {
                                  self->scrollback_ = {};
                                  if (ec) return self->close_console();
                                  self->read_console();
                                  self->read_client();
                              });
    });
}

template <class S>
void WsConsole<S>::read_console() {
    console_.async_read_some(asio::buffer(from_console_),
                             [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                                 if (ec) {  // the guest's console went away (EOF) or we closed it
                                     if (ec != asio::error::operation_aborted) {
                                         self->close_client(websocket::close_code::normal);
                                     }
                                     return;
                                 }
                                 self->ws_.async_write(asio::buffer(self->from_console_.data(), n),
                                                       [self](beast::error_code ec, size_t) {
                                                           if (ec) return self->close_console();
                                                           self->read_console();
                                                       });
                             });
}

template <class S>
void WsConsole<S>::read_client() {
    ws_.async_read(from_client_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
        if (ec) return self->close_console();  // closed by the client, or broken
        asio::async_write(self->console_, self->from_client_.data(),
                          [self](beast::error_code ec, size_t n) {
                              self->from_client_.consume(n);
                              if (ec) return self->close_client(websocket::close_code::going_away);
                              self->read_client();
                          });
    });
}

template <class S>
void WsConsole<S>::close_client(websocket::close_code code) {
    if (closing_) return;
    closing_ = true;
    ws_.async_close(
        code, [self = this->shared_from_this()](beast::error_code) { self->close_console(); });
}

template <class S>
void WsConsole<S>::close_console() {
    beast::error_code ignored;
    console_.shutdown(asio::socket_base::shutdown_both, ignored);
    console_.close(ignored);
    if (!closing_ && ws_.is_open()) {
        closing_ = true;
        ws_.async_close(websocket::close_code::normal,
                        [self = this->shared_from_this()](beast::error_code) {});
    }
}

template class WsConsole<PlainStream>;
template class WsConsole<TlsStream>;
template void BasicHttpSession<PlainStream>::start_console(const ApiRequest&);
template void BasicHttpSession<TlsStream>::start_console(const ApiRequest&);

}  // namespace domus::api
