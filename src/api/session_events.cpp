// GET /v1/events that waits: a long-poll (one JSON reply when an event arrives or the timeout
// passes) or, with Accept: text/event-stream, an SSE stream with keep-alive comments. Waiting
// is an asio timer woken by the EventHub: no thread ever blocks on it.
#include "api/json_views.hpp"
#include "api/session.hpp"

namespace domus::api {

using Clock = std::chrono::steady_clock;

template <class S>
void BasicHttpSession<S>::start_events(const ApiRequest& request) {
    after_ = request.after;
    event_stream_ = request.event_stream;
    deadline_ = Clock::now() + request.timeout;
    subscribe();  // before the first query: an event stored meanwhile still wakes us
    if (!event_stream_) {
        stream_slot_ = ConnectionSlot(&ctx_.api_metrics.long_polls);
        return query_events();
    }

    log_and_count(200);
    stream_slot_ = ConnectionSlot(&ctx_.api_metrics.event_streams);
    // Close-delimited body: the stream ends when either side closes.
    const std::string head =
        "HTTP/1.1 200 OK\r\nServer: domusd\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
    // The client sends nothing more: any read completion (EOF, data, error) ends the stream.
    stream_.async_read_some(
        asio::buffer(scratch_),
        [self = this->shared_from_this()](beast::error_code, size_t) { self->stream_closed(); });
    query_after_write_ = true;
    write_stream(head);
}

template <class S>
void BasicHttpSession<S>::subscribe() {
    std::weak_ptr<BasicHttpSession> weak = this->weak_from_this();
    auto executor = stream_.get_executor();
    hub_id_ = ctx_.hub->add([weak, executor] {
        asio::post(executor, [weak] {
            if (auto self = weak.lock()) self->on_event_notify();
        });
    });
}

template <class S>
void BasicHttpSession<S>::unsubscribe() {
    if (hub_id_ != 0) ctx_.hub->remove(hub_id_);
    hub_id_ = 0;
}

template <class S>
void BasicHttpSession<S>::query_events() {
    querying_ = true;
    notified_ = false;
    ctx_.run_blocking(
        stream_.get_executor(),
        [&ctx = ctx_, after = after_] {
            try {
                return ctx.controller.events_after(after, kMaxEventsPerResponse);
            } catch (...) {
                return std::vector<control::Event>{};
            }
        },
        [self = this->shared_from_this()](std::vector<control::Event> events) {
            self->on_events(std::move(events));
        });
}

template <class S>
void BasicHttpSession<S>::on_events(std::vector<control::Event> events) {
    querying_ = false;
    if (closed_) return;
    if (event_stream_) {
        if (events.empty()) {
            if (notified_) return query_events();
            return wait_events(Clock::now() + ctx_.options.sse_keepalive);
        }
        std::string records;
        for (const auto& e : events) records += sse_record(e);
        after_ = events.back().id;
        query_after_write_ = events.size() >= kMaxEventsPerResponse;  // more may be waiting
        return write_stream(std::move(records));
    }
    if (!events.empty() || Clock::now() >= deadline_) {
        unsubscribe();
        stream_slot_.release();
        return reply(json_reply(200, events_json(events, after_)), keep_alive_);
    }
    if (notified_) return query_events();
    wait_events(deadline_);
}

template <class S>
void BasicHttpSession<S>::on_event_notify() {
    if (closed_ || hub_id_ == 0) return;
    notified_ = true;
    if (waiting_) timer_.cancel();
}

template <class S>
void BasicHttpSession<S>::wait_events(Clock::time_point until) {
    waiting_ = true;
    timer_.expires_at(until);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code) {
        self->waiting_ = false;
        if (self->closed_) return;
        if (self->event_stream_ && !self->notified_) {
            self->query_after_write_ = false;
            return self->write_stream(": keep-alive\n\n");
        }
        self->query_events();  // woken by an event, or the long-poll's last look
    });
}

template <class S>
void BasicHttpSession<S>::write_stream(std::string data) {
    out_ = std::move(data);
    lowest().expires_after(ctx_.options.write_timeout);  // a client that stops reading is dropped
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                          if (self->closed_) return;
                          if (ec) return self->stream_closed();
                          self->lowest().expires_never();
                          if (self->query_after_write_ || self->notified_) {
                              return self->query_events();
                          }
                          self->wait_events(Clock::now() + self->ctx_.options.sse_keepalive);
                      });
}

template <class S>
void BasicHttpSession<S>::stream_closed() {
    if (closed_) return;
    closed_ = true;
    unsubscribe();
    stream_slot_.release();
    timer_.cancel();
    beast::error_code ignored;
    lowest().socket().shutdown(asio::socket_base::shutdown_both, ignored);
    lowest().close();
}

// The members defined here, for both streams (the class itself is instantiated in session.cpp).
#define DOMUS_EVENTS_MEMBERS(S)                                                \
    template void BasicHttpSession<S>::start_events(const ApiRequest&);        \
    template void BasicHttpSession<S>::subscribe();                            \
    template void BasicHttpSession<S>::unsubscribe();                          \
    template void BasicHttpSession<S>::query_events();                         \
    template void BasicHttpSession<S>::on_events(std::vector<control::Event>); \
    template void BasicHttpSession<S>::on_event_notify();                      \
    template void BasicHttpSession<S>::wait_events(Clock::time_point);         \
    template void BasicHttpSession<S>::write_stream(std::string);              \
    template void BasicHttpSession<S>::stream_closed();
DOMUS_EVENTS_MEMBERS(PlainStream)
DOMUS_EVENTS_MEMBERS(TlsStream)
#undef DOMUS_EVENTS_MEMBERS

}  // namespace domus::api
