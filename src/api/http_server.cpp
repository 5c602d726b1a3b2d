// HttpServer: owns the io_context, its threads, the listeners and the shared context.
#include "api/http_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "api/listen_sockets.hpp"
#include "api/listener.hpp"

namespace domus::api {

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
    if (options.io_threads == 0 || options.worker_threads == 0 || options.max_connections == 0) {
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
