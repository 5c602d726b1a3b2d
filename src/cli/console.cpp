// The one translation unit with Boost.Beast's WebSocket client (slow to compile: keep it alone).
#include "cli/console.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "cli/api_client.hpp"
#include "cli/errors.hpp"
#include "cli/input_pump.hpp"
#include "cli/terminal.hpp"
#include "cli/tls_client.hpp"

namespace domus::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using Protocol = net::local::stream_protocol;
using Ws = websocket::stream<beast::basic_stream<Protocol>>;  // the Unix socket
using Wss = websocket::stream<tls::TlsStream>;                // the HTTPS listener

namespace {

// Blocking write of everything (standard output may be a pipe or a terminal).
bool write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            pollfd pfd{fd, POLLOUT, 0};
            (void)::poll(&pfd, 1, -1);
            continue;
        }
        if (w <= 0) return false;
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

std::string millis(std::chrono::milliseconds ms) {
    return std::to_string(ms.count()) + " ms";
}

template <class WsT>
class ConsoleSession {
  public:
    static constexpr bool kTls = std::is_same_v<WsT, Wss>;

    ConsoleSession(Endpoint endpoint, std::string name, ConsoleOptions opts,
                   net::ssl::context* tls_ctx)
        : endpoint_(std::move(endpoint)),
          path_(endpoint_.where()),
          name_(std::move(name)),
          opts_(opts),
          ws_(make_ws(ioc_, tls_ctx)) {}

    Status connect() {
        auto st = connect_transport();
        if (!st) return st;
        auto& lowest = beast::get_lowest_layer(ws_);
        beast::error_code ec;
        lowest.expires_after(opts_.handshake_timeout);
        ws_.set_option(websocket::stream_base::decorator(
            [token = endpoint_.token](websocket::request_type& req) {
                req.set(http::field::user_agent, "domus/" DOMUS_VERSION);
                if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
            }));
        websocket::response_type res;
        const std::string target = domain_path(name_, "/console/ws");
        const std::string host = kTls ? endpoint_.host : "localhost";
        ec = run_op([&](auto h) { ws_.async_handshake(res, host, target, std::move(h)); });
        if (ec) {
            const unsigned status = res.result_int();
            if (status != 0 && status != 101) return api_error(status, res.reason(), res.body());
            if (ec == beast::error::timeout) {
                return cli_error("domusd did not open the console of " + name_ + " within " +
                                 millis(opts_.handshake_timeout));
            }
            return cli_error("cannot attach to the console of " + name_ + ": " + ec.message());
        }
        lowest.expires_never();
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = std::chrono::seconds(2);  // also bounds our close
        timeouts.idle_timeout = websocket::stream_base::none();
        timeouts.keep_alive_pings = false;
        ws_.set_option(timeouts);
        ws_.binary(true);
        return {};
    }

  private:
    static WsT make_ws(net::io_context& ioc, net::ssl::context* tls_ctx) {
        if constexpr (kTls) {
            return WsT(ioc, *tls_ctx);
        } else {
            (void)tls_ctx;
            return WsT(ioc);
        }
    }

    // The socket connection (and over TCP, TLS), before the WebSocket handshake.
    Status connect_transport() {
        if constexpr (kTls) {
            return tls::connect(ws_.next_layer(), endpoint_, opts_.connect_timeout,
                                [this](auto&& start) { return run_op(start); });
        } else {
            return connect_unix();
        }
    }

    Status connect_unix() {
        if (path_.size() >= sizeof(sockaddr_un::sun_path)) {
            return unreachable_error(path_, std::strerror(ENAMETOOLONG));
        }
        auto& lowest = beast::get_lowest_layer(ws_);
        lowest.expires_after(opts_.connect_timeout);
        const Protocol::endpoint endpoint(path_);
        auto ec = run_op([&](auto h) { lowest.async_connect(endpoint, std::move(h)); });
        if (ec == beast::error::timeout) {
            return unreachable_error(path_, "no answer within " + millis(opts_.connect_timeout));
        }
        if (ec) return unreachable_error(path_, ec.message());
        return {};
    }

  public:
    int run() {
        ::signal(SIGPIPE, SIG_IGN);
        signals_.add(SIGINT);
        signals_.add(SIGTERM);
        signals_.add(SIGHUP);
        signals_.async_wait([this](beast::error_code ec, int sig) {
            if (!ec) finish(detached("signal " + std::to_string(sig)), 0, true);
        });
        const bool tty = ::isatty(STDIN_FILENO) == 1;
        if (tty) {
            std::fprintf(stderr, "domus: attached to the console of %s (Ctrl-] detaches)\n",
                         name_.c_str());
        }
        auto raw = RawTerminal::enter(STDIN_FILENO);
        if (!raw) return report(raw.error());
        const bool pumping = pump_.start(STDIN_FILENO, [this](std::string chunk) {
            net::post(ioc_, [this, c = std::move(chunk)]() mutable { on_input(std::move(c)); });
        });
        if (!pumping) {
            finish(cli_error("cannot read standard input: " + std::string(std::strerror(errno)))
                       .message,
                   1, true);
        }
        read_output();
        ioc_.run();
        pump_.stop();
        raw->restore();
        if (!message_.empty()) std::fprintf(stderr, "domus: %s\n", message_.c_str());
        return exit_code_;
    }

  private:
    template <typename Start>
    beast::error_code run_op(Start&& start) {
        beast::error_code result = net::error::operation_aborted;
        start([&result](beast::error_code ec, auto&&...) { result = ec; });
        ioc_.restart();
        ioc_.run();
        ioc_.restart();
        return result;
    }

    std::string detached(const std::string& why) const {
        return "detached from the console of " + name_ + (why.empty() ? "" : " (" + why + ")");
    }

    void read_output() {
        ws_.async_read(out_buf_, [this](beast::error_code ec, size_t) {
            if (done_) return;
            if (ec == websocket::error::closed) {
                const auto& why = ws_.reason().reason;
                const std::string reason(why.data(), why.size());
                finish("console of " + name_ + " closed by domusd" +
                           (reason.empty() ? "" : ": " + one_line(reason)),
                       0, false);
                return;
            }
            if (ec) {
                finish(cli_error("lost the console connection to domusd: " + ec.message()).message,
                       1, false);
                return;
            }
            const auto data = out_buf_.cdata();
            if (!write_all(STDOUT_FILENO, static_cast<const char*>(data.data()), data.size())) {
                finish(cli_error("cannot write the console to standard output: " +
                                 std::string(std::strerror(errno)))
                           .message,
                       1, true);
                return;
            }
            out_buf_.consume(out_buf_.size());
            read_output();
        });
    }

    void on_input(std::string chunk) {
        if (done_) return;
        if (chunk.empty()) {  // end of input: show the guest's answer a little longer
            linger_.expires_after(opts_.eof_linger);
            linger_.async_wait([this](beast::error_code ec) {
                if (!ec) finish(detached("end of input"), 0, true);
            });
            return;
        }
        const auto escape = chunk.find(kDetachKey);
        const bool detach = escape != std::string::npos;
        if (detach) chunk.resize(escape);
        if (chunk.empty()) {
            if (detach) finish(detached(""), 0, true);
            return;
        }
        sending_ = std::move(chunk);
        writing_ = true;
        ws_.async_write(net::buffer(sending_), [this, detach](beast::error_code ec, size_t) {
            writing_ = false;
            if (done_) {
                if (close_pending_) close_ws();
                return;
            }
            if (ec) {
                finish(cli_error("lost the console connection to domusd: " + ec.message()).message,
                       1, false);
            } else if (detach) {
                finish(detached(""), 0, true);
            } else {
                pump_.resume();
            }
        });
    }

    // Ends the session once: the message printed after the terminal is restored, the status.
    void finish(std::string message, int code, bool close_gracefully) {
        if (done_) return;
        done_ = true;
        message_ = std::move(message);
        exit_code_ = code;
        signals_.cancel();
        linger_.cancel();
        pump_.stop();
        if (!close_gracefully) {
            beast::get_lowest_layer(ws_).close();
        } else if (writing_) {
            close_pending_ = true;
        } else {
            close_ws();
        }
    }

    void close_ws() {
        close_pending_ = false;
        hard_stop_.expires_after(std::chrono::seconds(2));
        hard_stop_.async_wait([this](beast::error_code ec) {
            if (!ec) beast::get_lowest_layer(ws_).close();
        });
        ws_.async_close(websocket::close_code::normal, [this](beast::error_code) {
            hard_stop_.cancel();
            beast::get_lowest_layer(ws_).close();
        });
    }

    Endpoint endpoint_;
    std::string path_, name_;
    ConsoleOptions opts_;
    net::io_context ioc_{1};
    WsT ws_;
    net::signal_set signals_{ioc_};
    net::steady_timer linger_{ioc_};
    net::steady_timer hard_stop_{ioc_};
    beast::flat_buffer out_buf_;
    std::string sending_;
    bool writing_ = false;
    bool done_ = false;
    bool close_pending_ = false;
    std::string message_;
    int exit_code_ = 0;
    InputPump pump_;  // last member: its thread is joined before the io_context goes
};

template <class WsT>
int attach(Endpoint endpoint, const std::string& name, const ConsoleOptions& options,
           net::ssl::context* tls_ctx) {
    ConsoleSession<WsT> session(std::move(endpoint), name, options, tls_ctx);
    if (auto st = session.connect(); !st) return report(st.error());
    return session.run();
}

}  // namespace

int attach_console(const Endpoint& endpoint, const std::string& name,
                   const ConsoleOptions& options) {
    if (!endpoint.tcp()) return attach<Ws>(endpoint, name, options, nullptr);
    auto ctx = tls::make_context(endpoint);  // WSS: the console over the HTTPS listener
    if (!ctx) return report(ctx.error());
    return attach<Wss>(endpoint, name, options, ctx->get());
}

int attach_console(const std::string& socket_path, const std::string& name,
                   const ConsoleOptions& options) {
    Endpoint endpoint;
    endpoint.socket = socket_path;
    return attach_console(endpoint, name, options);
}

}  // namespace domus::cli
