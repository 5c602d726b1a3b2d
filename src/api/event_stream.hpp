// GET /v1/events that waits, after the request is read: a long-poll (one JSON reply when an
// event arrives or the timeout passes, then the connection goes back to its HttpSession) or,
// with Accept: text/event-stream, an SSE stream that owns the connection from then on (as the
// console WebSocket does), with keep-alive comments. Waiting is an asio timer woken by the
// EventHub: no thread ever blocks on it. Each is driven by one phase, not by flags.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/beast.hpp"
#include "api/server_context.hpp"
#include "control/controller.hpp"

namespace domus::api {

using EventClock = std::chrono::steady_clock;

// A subscription to the EventHub that wakes `on_notify` on `executor` while `owner` lives.
template <class Owner>
uint64_t subscribe_hub(ServerContext& ctx, asio::any_io_executor executor,
                       std::weak_ptr<Owner> owner) {
    return ctx.hub->add([owner, executor] {
        asio::post(executor, [owner] {
            if (auto self = owner.lock()) self->on_notify();
        });
    });
}

// Waits for events after `after` until `deadline`, then calls `done` once (on the executor)
// with what it found (empty: the timeout).
class LongPoll : public std::enable_shared_from_this<LongPoll> {
  public:
    using Done = std::function<void(std::vector<control::Event>)>;
    LongPoll(ServerContext& ctx, asio::any_io_executor executor, int64_t after,
             EventClock::time_point deadline, Done done);
    ~LongPoll();
    void start();
    void on_notify();

  private:
    enum class Phase { querying, waiting, done };
    void finish();  // unsubscribed, the timer cancelled, no longer counted
    void query();
    void on_events(std::vector<control::Event> events);

    ServerContext& ctx_;
    asio::any_io_executor executor_;
    asio::steady_timer timer_;
    int64_t after_;
    EventClock::time_point deadline_;
    Done done_;
    ConnectionSlot waiting_slot_;  // counted in the long-poll gauge until answered
    uint64_t hub_id_ = 0;
    Phase phase_ = Phase::querying;
    bool notified_ = false;  // an event was stored since the last query began
};

// An SSE stream: the response head, then every event after `after` as it is stored.
template <class S>
class EventStream : public std::enable_shared_from_this<EventStream<S>> {
  public:
    EventStream(ServerContext& ctx, S stream, ConnectionSlot slot, int64_t after);
    ~EventStream();
    void start();
    void on_notify();

  private:
    enum class Phase { writing, querying, waiting, closed };
    void query();
    void on_events(std::vector<control::Event> events);
    void wait(EventClock::time_point until);
    void write(std::string data, bool then_query);
    void close();

    ServerContext& ctx_;
    S stream_;
    ConnectionSlot slot_;
    ConnectionSlot client_slot_;  // counted in the event stream gauge while it lives
    asio::steady_timer timer_;
    int64_t after_;
    uint64_t hub_id_ = 0;
    Phase phase_ = Phase::writing;
    bool notified_ = false;  // an event was stored since the last query began
    std::string out_;
    std::array<char, 256> scratch_{};
};

}  // namespace domus::api
