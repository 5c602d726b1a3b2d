// HttpServer: owns the io_context, its threads, the listeners and the shared context.
#include "api/http_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "api/listen_sockets.hpp"
#include "api/listener.hpp"

namespace domus::api {

namespace {

// TLS 1.2 and 1.3 only, with the certificate chain and key of the options.
Result<std::unique_ptr<asio::ssl::context>> make_tls_context(const ServerOptions& o) {
    if (o.tls_key.empty()) return make_error(Errc::invalid_argument, "tls-cert needs tls-key");
    auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    beast::error_code ec;
    tls->use_certificate_chain_file(o.tls_cert, ec);
    if (ec) {
        return make_error(Errc::invalid_argument,
                          "cannot load the TLS certificate " + o.tls_cert + ": " + ec.message());
    }
    tls->use_private_key_file(o.tls_key, asio::ssl::context::pem, ec);
    if (ec) {
        return make_error(Errc::invalid_argument,
                          "cannot load the TLS key " + o.tls_key + ": " + ec.message());
    }
    if (SSL_CTX_check_private_key(tls->native_handle()) != 1) {
        return make_error(
            Errc::invalid_argument,
            "the TLS key " + o.tls_key + " does not match the certificate " + o.tls_cert);
    }
    return tls;
}

}  // namespace

struct HttpServer::Impl {
    Impl(control::Controller& controller, const ServerOptions& options)
        : ctx(controller, options), ioc(static_cast<int>(options.io_threads)) {}

    // Destroyed last: queued handlers (sessions) that ioc destroys still reference it.
    ServerContext ctx;
    std::optional<asio::io_context> ioc;
    std::vector<std::shared_ptr<Listener>> listeners;
    std::vector<std::thread> threads;
    uint16_t tcp_port = 0;
    bool stopped = false;

    void run_thread() {
        // A handler that throws must not take the daemon down: log, and keep serving.
        while (true) {
            try {
                ioc->run();
                return;
            } catch (const std::exception& e) {
                ctx.log(std::string("I/O handler failed: ") + e.what());
            } catch (...) {
                ctx.log("I/O handler failed with an unknown exception");
            }
        }
    }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
    stop();
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(control::Controller& controller,
                                                      const ServerOptions& options) {
    if (options.unix_socket.empty() && options.tcp_listen.empty()) {
        return make_error(Errc::invalid_argument, "nothing to listen on");
    }
    if (!options.tcp_listen.empty() && options.token.empty()) {
        return make_error(Errc::invalid_argument, "a TCP listener needs a bearer token");
    }
    if (options.io_threads == 0 || options.worker_threads == 0 ||
        options.max_connections_unix == 0 || options.max_connections_tcp == 0) {
        return make_error(Errc::invalid_argument, "thread and connection counts must be > 0");
    }
    // Bind the TCP socket first: a bad --listen must not leave a socket file behind.
    Fd tcp_fd;
    int tcp_family = AF_INET;
    if (!options.tcp_listen.empty()) {
        auto address = parse_listen_address(options.tcp_listen);
        if (!address) return std::move(address).error();
        auto fd = open_tcp_listener(*address);
        if (!fd) return std::move(fd).error();
        tcp_fd = std::move(*fd);
        tcp_family = address->host.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    }
    Fd unix_fd;
    if (!options.unix_socket.empty()) {
        auto fd = open_unix_listener(options.unix_socket);
        if (!fd) return std::move(fd).error();
        unix_fd = std::move(*fd);
    }

    auto impl = std::make_unique<Impl>(controller, options);
    if (!options.tcp_listen.empty() && !options.tls_cert.empty()) {
        auto tls = make_tls_context(options);
        if (!tls) return std::move(tls).error();
        impl->ctx.tls = std::move(*tls);
    }
    // The Controller keeps this callback forever (there is no unsubscribe): it holds the hub,
    // which stop() closes, not the server.
    std::shared_ptr<EventHub> keep = impl->ctx.hub;
    controller.subscribe_events([keep](const control::Event&) { keep->notify(); });
    if (tcp_fd.valid()) {
        impl->tcp_port = bound_port(tcp_fd.get());
        impl->listeners.push_back(
            std::make_shared<Listener>(impl->ctx, *impl->ioc, std::move(tcp_fd), tcp_family));
    }
    if (unix_fd.valid()) {
        impl->listeners.push_back(
            std::make_shared<Listener>(impl->ctx, *impl->ioc, std::move(unix_fd), AF_UNIX));
    }
    for (auto& l : impl->listeners) l->start();
    for (unsigned i = 0; i < options.io_threads; ++i) {
        impl->threads.emplace_back([raw = impl.get()] { raw->run_thread(); });
    }
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::stop() {
    Impl& m = *impl_;
    if (m.stopped) return;
    m.stopped = true;
    for (auto& l : m.listeners) l->stop();
    m.ctx.hub->close();  // from here on the Controller's callback posts nothing
    m.ioc->stop();
    for (auto& t : m.threads) t.join();
    m.threads.clear();
    m.ctx.workers.join();  // running Controller calls finish; their replies are never sent
    m.listeners.clear();
    m.ioc.reset();  // destroys every connection still queued on it
    if (!m.ctx.options.unix_socket.empty()) ::unlink(m.ctx.options.unix_socket.c_str());
}

uint16_t HttpServer::tcp_port() const {
    return impl_->tcp_port;
}

}  // namespace domus::api
