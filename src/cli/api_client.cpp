// The one translation unit with Boost.Beast's HTTP client (slow to compile: keep it alone).
#include "cli/api_client.hpp"

#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "cli/errors.hpp"
#include "cli/tls_client.hpp"

namespace domus::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Protocol = net::local::stream_protocol;
using Stream = beast::basic_stream<Protocol>;
using tls::TlsStream;

namespace {

http::verb to_verb(Method m) {
    switch (m) {
        case Method::get:
            return http::verb::get;
        case Method::post:
            return http::verb::post;
        case Method::patch:
            return http::verb::patch;
        case Method::del:
            return http::verb::delete_;
    }
    return http::verb::get;
}

std::string seconds(std::chrono::milliseconds ms) {
    if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
    return std::to_string(ms.count()) + " ms";
}

// A broken keep-alive connection: the daemon closed it before reading our request.
bool stale_connection(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

}  // namespace

Status parse_https_url(std::string_view url, Endpoint& endpoint) {
    const auto bad = [&](const std::string& why) {
        return cli_error("invalid URL '" + std::string(url) + "': " + why);
    };
    constexpr std::string_view kScheme = "https://";
    if (url.substr(0, 7) == "http://") {
        return bad("domusd's TCP listener speaks only HTTPS (use https://)");
    }
    if (url.substr(0, kScheme.size()) != kScheme) return bad("expected https://HOST:PORT");
    std::string_view rest = url.substr(kScheme.size());
    while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find('/') != std::string_view::npos) return bad("expected no path after HOST:PORT");
    std::string_view host, port;
    bool has_port = false;
    if (!rest.empty() && rest.front() == '[') {
        const size_t close = rest.find(']');
        if (close == std::string_view::npos) return bad("missing ']' after the IPv6 address");
        host = rest.substr(1, close - 1);
        rest.remove_prefix(close + 1);
        if (!rest.empty() && rest.front() != ':') return bad("expected ':PORT' after ']'");
        has_port = !rest.empty();
        if (has_port) port = rest.substr(1);
    } else {
        const size_t colon = rest.find(':');
        host = rest.substr(0, colon);
        has_port = colon != std::string_view::npos;
        if (has_port) port = rest.substr(colon + 1);
        if (port.find(':') != std::string_view::npos) {
            return bad("an IPv6 address goes in brackets: https://[::1]:PORT");
        }
    }
    if (host.empty()) return bad("no host");
    for (char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':';
        if (!ok) return bad("the host has a character a host name cannot have");
    }
    unsigned long n = 443;
    if (has_port) {
        if (port.empty() || port.size() > 5 ||
            port.find_first_not_of("0123456789") != std::string_view::npos ||
            (n = std::stoul(std::string(port))) == 0 || n > 65535) {
            return bad("the port must be a number from 1 to 65535");
        }
    }
    endpoint.url = std::string(url);
    endpoint.host = std::string(host);
    endpoint.port = static_cast<uint16_t>(n);
    return {};
}

struct ApiClient::Impl {
    std::string path;  // the socket, or the URL (for messages)
    Endpoint endpoint;
    ClientTimeouts timeouts;
    net::io_context ioc{1};
    std::optional<Stream> stream;
    std::unique_ptr<net::ssl::context> tls_ctx;
    std::optional<TlsStream> tls;
    beast::flat_buffer buffer;

    // Runs one asynchronous operation (and the stream's timer) to completion.
    template <typename Start>
    beast::error_code run(Start&& start) {
        beast::error_code result = net::error::operation_aborted;
        start([&result](beast::error_code ec, auto&&...) { result = ec; });
        ioc.restart();
        ioc.run();
        return result;
    }

    void disconnect() {
        stream.reset();
        tls.reset();
        buffer.clear();
    }

    bool connected() const { return stream.has_value() || tls.has_value(); }

    Status connect_tls() {
        disconnect();
        if (!tls_ctx) {
            auto ctx = tls::make_context(endpoint);
            if (!ctx) return ctx.error();
            tls_ctx = std::move(*ctx);
        }
        tls.emplace(ioc, *tls_ctx);
        auto st = tls::connect(*tls, endpoint, timeouts.connect,
                               [this](auto&& start) { return run(start); });
        if (!st) disconnect();
        return st;
    }

    Status connect() {
        if (endpoint.tcp()) return connect_tls();
        disconnect();
        if (path.size() >= sizeof(sockaddr_un::sun_path)) {
            return unreachable_error(path, std::strerror(ENAMETOOLONG));
        }
        stream.emplace(ioc);
        stream->expires_after(timeouts.connect);
        const Protocol::endpoint endpoint(path);
        auto ec = run([&](auto handler) { stream->async_connect(endpoint, std::move(handler)); });
        if (!ec) return {};
        disconnect();
        if (ec == beast::error::timeout) {
            return unreachable_error(path, "no answer within " + seconds(timeouts.connect));
        }
        return unreachable_error(path, ec.message());
    }

    // One request/response on the open connection. `stale` reports a keep-alive connection the
    // daemon had closed before it read anything (safe to retry on a new one).
    Result<HttpResponse> exchange(http::request<http::string_body>& req, bool& stale) {
        if (tls) return exchange_on(*tls, req, stale);
        return exchange_on(*stream, req, stale);
    }

    template <class S>
    Result<HttpResponse> exchange_on(S& s, http::request<http::string_body>& req, bool& stale) {
        stale = false;
        beast::get_lowest_layer(s).expires_after(timeouts.request);
        auto ec = run([&](auto handler) { http::async_write(s, req, std::move(handler)); });
        http::response_parser<http::string_body> parser;
        parser.body_limit(64ull << 20);
        if (!ec) {
            ec =
                run([&](auto handler) { http::async_read(s, buffer, parser, std::move(handler)); });
        }
        if (ec) {
            stale = stale_connection(ec) && !parser.got_some();
            disconnect();
            const std::string what =
                std::string(req.method_string()) + " " + std::string(req.target());
            if (ec == beast::error::timeout) {
                return cli_error("domusd did not answer within " + seconds(timeouts.request) +
                                 " (" + what + ")");
            }
            return cli_error("lost the connection to domusd at " + path + " (" + what +
                             "): " + ec.message());
        }
        return finish(parser.release());
    }

    HttpResponse finish(http::response<http::string_body> res) {
        HttpResponse out;
        out.status = res.result_int();
        out.reason = std::string(res.reason());
        out.content_type = std::string(res[http::field::content_type]);
        out.body = std::move(res.body());
        if (!res.keep_alive()) disconnect();
        return out;
    }

    Result<HttpResponse> download(http::request<http::string_body>& req, int out_fd) {
        if (tls) return download_on(*tls, req, out_fd);
        return download_on(*stream, req, out_fd);
    }

    // The body in chunks through a buffer_body parser: to out_fd for a 2xx, else kept.
    template <class S>
    Result<HttpResponse> download_on(S& s, http::request<http::string_body>& req, int out_fd) {
        const std::string what = std::string(req.method_string()) + " " + std::string(req.target());
        auto failed = [&](beast::error_code ec) -> Error {
            disconnect();
            if (ec == beast::error::timeout) {
                return cli_error("domusd did not answer within " + seconds(timeouts.request) +
                                 " (" + what + ")");
            }
            return cli_error("lost the connection to domusd at " + path + " (" + what +
                             "): " + ec.message());
        };
        beast::get_lowest_layer(s).expires_after(timeouts.request);
        auto ec = run([&](auto handler) { http::async_write(s, req, std::move(handler)); });
        if (ec) return failed(ec);
        http::response_parser<http::buffer_body> parser;
        parser.body_limit(boost::none);
        ec = run(
            [&](auto handler) { http::async_read_header(s, buffer, parser, std::move(handler)); });
        if (ec) return failed(ec);
        HttpResponse out;
        out.status = parser.get().result_int();
        out.reason = std::string(parser.get().reason());
        out.content_type = std::string(parser.get()[http::field::content_type]);
        const bool ok = out.status >= 200 && out.status < 300;
        std::vector<char> chunk(1 << 16);
        while (!parser.is_done()) {
            parser.get().body().data = chunk.data();
            parser.get().body().size = chunk.size();
            beast::get_lowest_layer(s).expires_after(timeouts.request);
            ec =
                run([&](auto handler) { http::async_read(s, buffer, parser, std::move(handler)); });
            if (ec == http::error::need_buffer) ec = {};
            if (ec) return failed(ec);
            const size_t n = chunk.size() - parser.get().body().size;
            if (!ok) {
                if (out.body.size() < (1u << 20)) out.body.append(chunk.data(), n);
                continue;
            }
            for (size_t off = 0; off < n;) {
                const ssize_t w = ::write(out_fd, chunk.data() + off, n - off);
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) {
                    const int err = errno;
                    disconnect();
                    return cli_error(std::string("cannot write the download: ") +
                                     std::strerror(err));
                }
                off += static_cast<size_t>(w);
            }
        }
        if (!parser.get().keep_alive()) disconnect();
        return out;
    }
};

ApiClient::ApiClient(std::string socket_path, ClientTimeouts timeouts)
    : socket_path_(std::move(socket_path)), impl_(std::make_unique<Impl>()) {
    impl_->path = socket_path_;
    impl_->endpoint.socket = socket_path_;
    impl_->timeouts = timeouts;
}

ApiClient::ApiClient(Endpoint endpoint, ClientTimeouts timeouts)
    : socket_path_(endpoint.where()), impl_(std::make_unique<Impl>()) {
    impl_->path = socket_path_;
    impl_->endpoint = std::move(endpoint);
    impl_->timeouts = timeouts;
}

ApiClient::~ApiClient() = default;

const Endpoint& ApiClient::endpoint() const {
    return impl_->endpoint;
}

Result<HttpResponse> ApiClient::send(Method method, const std::string& target,
                                     const std::string& json_body) {
    http::request<http::string_body> req{to_verb(method), target, 11};
    req.set(http::field::host, "localhost");
    req.set(http::field::user_agent, "domus/" DOMUS_VERSION);
    req.set(http::field::accept, "application/json");
    if (!json_body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = json_body;
    }
    if (impl_->endpoint.tcp()) {
        req.set(http::field::host, impl_->endpoint.host);
        req.set(http::field::authorization, "Bearer " + impl_->endpoint.token);
    }
    req.prepare_payload();

    const bool reused = impl_->connected();
    if (!reused) {
        if (auto st = impl_->connect(); !st) return std::move(st).error();
    }
    bool stale = false;
    auto res = impl_->exchange(req, stale);
    if (res || !(reused && stale)) return res;
    // The daemon closed our idle keep-alive connection: once more on a fresh one.
    if (auto st = impl_->connect(); !st) return std::move(st).error();
    return impl_->exchange(req, stale);
}

Result<HttpResponse> ApiClient::download(const std::string& target, int out_fd) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    req.set(http::field::user_agent, "domus/" DOMUS_VERSION);
    if (impl_->endpoint.tcp()) {
        req.set(http::field::host, impl_->endpoint.host);
        req.set(http::field::authorization, "Bearer " + impl_->endpoint.token);
    }
    req.prepare_payload();
    // A fresh connection: a stale keep-alive one cannot be retried once bytes were written.
    if (auto st = impl_->connect(); !st) return std::move(st).error();
    return impl_->download(req, out_fd);
}

}  // namespace domus::cli
