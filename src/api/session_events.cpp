// GET /v1/events that waits: the handoff from HttpSession to a LongPoll (answered here, then
// keep-alive as usual) or to an EventStream, which owns the connection from then on.
#include "api/event_stream.hpp"
#include "api/json_views.hpp"
#include "api/session.hpp"

namespace domus::api {

template <class S>
void BasicHttpSession<S>::start_events(const ApiRequest& request) {
    if (!request.event_stream) {
        // The wait's pending handlers hold the LongPoll, which holds this session until the
        // answer: no cycle, so a stopped server frees both.
        auto poll = std::make_shared<LongPoll>(
            ctx_, stream_.get_executor(), request.after, EventClock::now() + request.timeout,
            [self = this->shared_from_this(),
             after = request.after](std::vector<control::Event> events) {
                self->reply(json_reply(200, events_json(events, after)), self->keep_alive_);
            });
        return poll->start();
    }
    log_and_count(200);
    auto events =
        std::make_shared<EventStream<S>>(ctx_, std::move(stream_), std::move(slot_), request.after);
    events->start();
}

template void BasicHttpSession<PlainStream>::start_events(const ApiRequest&);
template void BasicHttpSession<TlsStream>::start_events(const ApiRequest&);

}  // namespace domus::api
