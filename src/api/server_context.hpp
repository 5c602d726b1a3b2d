// State every connection of one HttpServer shares: the Controller, the options, the worker
// pool Controller calls run on, the event fan-out, the connection count and the request log.
#pragma once

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "api/api_metrics.hpp"
#include "api/dispatch.hpp"
#include "api/event_hub.hpp"
#include "api/server_options.hpp"
#include "api/web_session.hpp"
#include "control/controller.hpp"

namespace domus::api {

struct ServerContext {
    ServerContext(control::Controller& c, ServerOptions o)
        : controller(c),
          options(std::move(o)),
          workers(options.worker_threads),
          web_sessions(options.session_lifetime, options.max_sessions) {}

    control::Controller& controller;
    const ServerOptions options;
    boost::asio::thread_pool workers;
    std::shared_ptr<EventHub> hub = std::make_shared<EventHub>();
    std::atomic<size_t> unix_connections{0};  // counted apart: each listener has its limit
    std::atomic<size_t> tcp_connections{0};
    ListBodyCache list_cache;
    // The TCP listener's TLS settings (certificate and key loaded); null: plain TCP.
    std::unique_ptr<boost::asio::ssl::context> tls;
    // The dashboard's browser sessions (TCP only; gone when the daemon restarts).
    WebSessions web_sessions;
    // Requests, latency, stream clients and the process figures of /metrics.
    ApiMetrics api_metrics;

    // Runs `work` (a blocking Controller call) on the worker pool, then `done(result)` on
    // `executor` (the connection's strand). `work` must not throw (wrap Controller calls).
    template <typename Executor, typename Work, typename Done>
    void run_blocking(const Executor& executor, Work work, Done done) {
        boost::asio::post(
            workers, [this, executor, work = std::move(work), done = std::move(done)]() mutable {
                try {  // an exception must not escape into the pool's thread
                    auto result = work();
                    boost::asio::post(
                        executor, [done = std::move(done), result = std::move(result)]() mutable {
                            done(std::move(result));
                        });
                } catch (const std::exception& e) {
                    log(std::string("worker failed: ") + e.what());
                }
            });
    }

    // One line on stderr when verbose: "METHOD target -> status (N ms)".
    void log_request(std::string_view method, std::string_view target, int status,
                     std::chrono::steady_clock::time_point started) const;
    void log(std::string_view message) const;  // always (errors worth an operator's eye)
};

// Counts a live connection of one listener; the count drops when the slot (moved along with
// the socket from HTTP to an event stream or console) is destroyed.
class ConnectionSlot {
  public:
    ConnectionSlot() = default;
    explicit ConnectionSlot(std::atomic<size_t>* count) : count_(count) { ++*count_; }
    ConnectionSlot(ConnectionSlot&& o) noexcept : count_(std::exchange(o.count_, nullptr)) {}
    ConnectionSlot& operator=(ConnectionSlot&& o) noexcept {
        std::swap(count_, o.count_);
        return *this;
    }
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot() { release(); }
    void release() {
        if (count_) --*std::exchange(count_, nullptr);
    }

  private:
    std::atomic<size_t>* count_ = nullptr;
};

}  // namespace domus::api
