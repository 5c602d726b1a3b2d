// The long-poll and the SSE stream of GET /v1/events.
#include "api/event_stream.hpp"

#include "api/json_views.hpp"
#include "api/routes.hpp"

namespace domus::api {

namespace {

// Runs events_after on the worker pool; `done` gets them on `executor` (none on a failure).
template <typename Done>
void fetch_events(ServerContext& ctx, const asio::any_io_executor& executor, int64_t after,
                  Done done) {
    ctx.run_blocking(
        executor,
        [&ctx, after] {
            try {
                return ctx.controller.events_after(after, kMaxEventsPerResponse);
            } catch (...) {
                return std::vector<control::Event>{};
            }
        },
        std::move(done));
}

}  // namespace

LongPoll::LongPoll(ServerContext& ctx, asio::any_io_executor executor, int64_t after,
                   EventClock::time_point deadline, Done done)
    : ctx_(ctx),
      executor_(executor),
      timer_(executor),
      after_(after),
      deadline_(deadline),
      done_(std::move(done)),
      waiting_slot_(&ctx.api_metrics.long_polls) {}

LongPoll::~LongPoll() {
    if (hub_id_ != 0) ctx_.hub->remove(hub_id_);
}

void LongPoll::start() {
    // Subscribed before the first query: an event stored meanwhile still wakes it.
    hub_id_ = subscribe_hub(ctx_, executor_, weak_from_this());
    query();
}

void LongPoll::finish() {
    phase_ = Phase::done;
    if (hub_id_ != 0) ctx_.hub->remove(hub_id_);
    hub_id_ = 0;
    timer_.cancel();
    waiting_slot_.release();
}

void LongPoll::on_notify() {
    if (phase_ == Phase::done) return;
    notified_ = true;
    if (phase_ == Phase::waiting) timer_.cancel();
}

void LongPoll::query() {
    phase_ = Phase::querying;
    notified_ = false;
    fetch_events(ctx_, executor_, after_,
                 [self = shared_from_this()](auto events) { self->on_events(std::move(events)); });
}

void LongPoll::on_events(std::vector<control::Event> events) {
    if (phase_ == Phase::done) return;
    if (!events.empty() || EventClock::now() >= deadline_) {
        Done done = std::move(done_);
        finish();
        return done(std::move(events));
    }
    if (notified_) return query();
    phase_ = Phase::waiting;
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](beast::error_code) {
        if (self->phase_ != Phase::waiting) return;
        self->query();  // woken by an event, or the long-poll's last look
    });
}

template <class S>
EventStream<S>::EventStream(ServerContext& ctx, S stream, ConnectionSlot slot, int64_t after)
    : ctx_(ctx),
      stream_(std::move(stream)),
      slot_(std::move(slot)),
      client_slot_(&ctx.api_metrics.event_streams),
      timer_(stream_.get_executor()),
      after_(after) {}

template <class S>
EventStream<S>::~EventStream() {
    if (hub_id_ != 0) ctx_.hub->remove(hub_id_);
}

template <class S>
void EventStream<S>::start() {
    hub_id_ = subscribe_hub(ctx_, stream_.get_executor(), this->weak_from_this());
    // The client sends nothing more: any read completion (EOF, data, error) ends the stream.
    stream_.async_read_some(
        asio::buffer(scratch_),
        [self = this->shared_from_this()](beast::error_code, size_t) { self->close(); });
    // Close-delimited body: the stream ends when either side closes.
    write(
        "HTTP/1.1 200 OK\r\nServer: domusd\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
        true);
}

template <class S>
void EventStream<S>::on_notify() {
    if (phase_ == Phase::closed) return;
    notified_ = true;
    if (phase_ == Phase::waiting) timer_.cancel();
}

template <class S>
void EventStream<S>::query() {
    phase_ = Phase::querying;
    notified_ = false;
    fetch_events(
        ctx_, stream_.get_executor(), after_,
        [self = this->shared_from_this()](auto events) { self->on_events(std::move(events)); });
}

template <class S>
void EventStream<S>::on_events(std::vector<control::Event> events) {
    if (phase_ == Phase::closed) return;
    if (events.empty()) {
        if (notified_) return query();
        return wait(EventClock::now() + ctx_.options.sse_keepalive);
    }
    std::string records;
    for (const auto& e : events) records += sse_record(e);
    after_ = events.back().id;
    write(std::move(records), events.size() >= kMaxEventsPerResponse);  // more may be waiting
}

template <class S>
void EventStream<S>::wait(EventClock::time_point until) {
    phase_ = Phase::waiting;
    timer_.expires_at(until);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code) {
        if (self->phase_ != Phase::waiting) return;
        if (!self->notified_) return self->write(": keep-alive\n\n", false);
        self->query();
    });
}

template <class S>
void EventStream<S>::write(std::string data, bool then_query) {
    phase_ = Phase::writing;
    out_ = std::move(data);
    // A client that stops reading is dropped.
    beast::get_lowest_layer(stream_).expires_after(ctx_.options.write_timeout);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this(), then_query](beast::error_code ec, size_t) {
                          if (self->phase_ == Phase::closed) return;
                          if (ec) return self->close();
                          beast::get_lowest_layer(self->stream_).expires_never();
                          if (then_query || self->notified_) return self->query();
                          self->wait(EventClock::now() + self->ctx_.options.sse_keepalive);
                      });
}

template <class S>
void EventStream<S>::close() {
    if (phase_ == Phase::closed) return;
    phase_ = Phase::closed;
    if (hub_id_ != 0) ctx_.hub->remove(hub_id_);
    hub_id_ = 0;
    timer_.cancel();
    client_slot_.release();
    auto& lowest = beast::get_lowest_layer(stream_);
    beast::error_code ignored;
    lowest.socket().shutdown(asio::socket_base::shutdown_both, ignored);
    lowest.close();
}

template class EventStream<PlainStream>;
template class EventStream<TlsStream>;

}  // namespace domus::api
