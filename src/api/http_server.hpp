// domusd's HTTP/WebSocket API server: a Unix socket listener and an optional TCP one (bearer
// token; HTTPS/WSS when the options name a certificate, as domusd's always do), each with its
// own connection limit, I/O on a small thread pool, Controller calls on a separate worker
// pool. Beast and OpenSSL stay behind this header.
#pragma once

#include <cstdint>
#include <memory>

#include "api/server_options.hpp"
#include "base/result.hpp"
#include "control/controller.hpp"

namespace domus::api {

class HttpServer {
  public:
    // Binds the listeners (errors name the path/address), subscribes to the Controller's events
    // and starts serving on background threads. `controller` must outlive the server.
    static Result<std::unique_ptr<HttpServer>> start(control::Controller& controller,
                                                     const ServerOptions& options);
    ~HttpServer();  // stop()
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Stops accepting, closes every connection, waits for running Controller calls; removes
    // the Unix socket file. Idempotent.
    void stop();

    uint16_t tcp_port() const;  // the bound TCP port (useful with port 0), 0 without TCP

    struct Impl;

  private:
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace domus::api
