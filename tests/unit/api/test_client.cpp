// HttpConn and WsClient.
#include "test_client.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <cstring>
#include <utility>

namespace domus::api::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

std::string Response::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

HttpConn HttpConn::unix_socket(const std::string& path) {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fd.reset();
    return HttpConn(std::move(fd));
}

HttpConn HttpConn::tcp(uint16_t port) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fd.reset();
    return HttpConn(std::move(fd));
}

bool HttpConn::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

bool HttpConn::fill(std::chrono::milliseconds timeout) {
    if (eof_ || !fd_.valid()) return false;
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[16384];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n <= 0) {
        eof_ = true;
        return false;
    }
    pending_.append(buf, static_cast<size_t>(n));
    return true;
}

std::string make_request(const std::string& method, const std::string& target,
                         const std::string& body, const std::vector<std::string>& headers) {
    std::string out = method + " " + target + " HTTP/1.1\r\nHost: domusd\r\n";
    for (const auto& h : headers) out += h + "\r\n";
    if (!body.empty() || method == "POST" || method == "PATCH") {
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    return out + "\r\n" + body;
}

std::optional<Response> HttpConn::request(const std::string& method, const std::string& target,
                                          const std::string& body,
                                          const std::vector<std::string>& headers) {
    // A server refusing the connection (503, too many connections) writes its answer and
    // closes at once: the request may then fail to go out (EPIPE) while the answer already
    // waits to be read.
    const bool sent = send(make_request(method, target, body, headers));
    return sent ? read_response() : read_response(std::chrono::milliseconds(1000));
}

std::optional<Response> HttpConn::read_response(std::chrono::milliseconds timeout) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    parser.eager(true);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!parser.is_done()) {
        if (!pending_.empty()) {
            beast::error_code ec;
            const size_t used = parser.put(asio::buffer(pending_), ec);
            pending_.erase(0, used);
            if (ec && ec != http::error::need_more) return std::nullopt;
            if (parser.is_done()) break;
            if (used > 0 && !ec) continue;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !fill(left)) {
            if (!eof_) return std::nullopt;
            beast::error_code ec;
            parser.put_eof(ec);
            if (ec || !parser.is_done()) return std::nullopt;
        }
    }
    const auto& msg = parser.get();
    Response r;
    r.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(f.value());
    }
    r.body = msg.body();
    r.keep_alive = msg.keep_alive();
    return r;
}

bool HttpConn::wait_for(std::string_view needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending_.find(needle) == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !fill(left)) return false;
    }
    return true;
}

std::string HttpConn::take() {
    return std::exchange(pending_, {});
}

bool HttpConn::closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        fill(left);
        pending_.clear();
    }
    return true;
}

// ---- WebSocket ----------------------------------------------------------------------------

struct WsClient::Impl {
    asio::io_context ioc;
    websocket::stream<asio::local::stream_protocol::socket> ws{ioc};
    beast::flat_buffer buffer;

    // Runs the queued operation for at most `timeout`; false (and the socket closed) if late.
    bool run(std::chrono::milliseconds timeout) {
        ioc.restart();
        ioc.run_for(timeout);
        if (ioc.stopped()) return true;
        beast::error_code ignored;
        beast::get_lowest_layer(ws).close(ignored);
        ioc.restart();
        ioc.run();
        return false;
    }
};

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsClient::~WsClient() = default;

std::unique_ptr<WsClient> WsClient::connect(const std::string& socket_path,
                                            const std::string& target, int* failure) {
    auto impl = std::make_unique<Impl>();
    beast::error_code ec;
    beast::get_lowest_layer(impl->ws).connect(asio::local::stream_protocol::endpoint(socket_path),
                                              ec);
    if (ec) return nullptr;
    websocket::response_type res;
    impl->ws.async_handshake(res, "domusd", target, [&](beast::error_code e) { ec = e; });
    if (!impl->run(5s) || ec) {
        if (failure) *failure = static_cast<int>(res.result_int());
        return nullptr;
    }
    return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
}

bool WsClient::write(const std::string& data, bool binary) {
    impl_->ws.binary(binary);
    beast::error_code ec;
    impl_->ws.async_write(asio::buffer(data), [&](beast::error_code e, size_t) { ec = e; });
    return impl_->run(5s) && !ec;
}

std::optional<std::string> WsClient::read(std::chrono::milliseconds timeout) {
    beast::error_code ec;
    impl_->buffer.clear();
    impl_->ws.async_read(impl_->buffer, [&](beast::error_code e, size_t) { ec = e; });
    if (!impl_->run(timeout)) return std::nullopt;
    if (ec) {
        closed_ = true;
        return std::nullopt;
    }
    return beast::buffers_to_string(impl_->buffer.data());
}

void WsClient::close() {
    beast::error_code ec;
    impl_->ws.async_close(websocket::close_code::normal, [&](beast::error_code e) { ec = e; });
    impl_->run(5s);
    // Read until the server's close frame arrives.
    closed_ = true;
}

}  // namespace domus::api::test
