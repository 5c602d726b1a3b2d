// The one translation unit with Boost.Beast's HTTP client (slow to compile: keep it alone).
#include "cli/api_client.hpp"

#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "cli/errors.hpp"

namespace domus::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Protocol = net::local::stream_protocol;
using Stream = beast::basic_stream<Protocol>;

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

struct ApiClient::Impl {
    std::string path;
    ClientTimeouts timeouts;
    net::io_context ioc{1};
    std::optional<Stream> stream;
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
        buffer.clear();
    }

    Status connect() {
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
        stale = false;
        stream->expires_after(timeouts.request);
        auto ec = run([&](auto handler) { http::async_write(*stream, req, std::move(handler)); });
        http::response_parser<http::string_body> parser;
        parser.body_limit(64ull << 20);
        if (!ec) {
            ec = run([&](auto handler) {
                http::async_read(*stream, buffer, parser, std::move(handler));
            });
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
        auto res = parser.release();
        HttpResponse out;
        out.status = res.result_int();
        out.reason = std::string(res.reason());
        out.content_type = std::string(res[http::field::content_type]);
        out.body = std::move(res.body());
        if (!res.keep_alive()) disconnect();
        return out;
    }
};

ApiClient::ApiClient(std::string socket_path, ClientTimeouts timeouts)
    : socket_path_(std::move(socket_path)), impl_(std::make_unique<Impl>()) {
    impl_->path = socket_path_;
    impl_->timeouts = timeouts;
}

ApiClient::~ApiClient() = default;

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
    req.prepare_payload();

    const bool reused = impl_->stream.has_value();
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

}  // namespace domus::cli
