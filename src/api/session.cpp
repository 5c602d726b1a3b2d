// BasicHttpSession: the request/response loop with its limits and deadlines.
#include "api/session.hpp"

#include "api/api_token.hpp"
#include "api/dashboard_assets.hpp"
#include "api/dispatch.hpp"
#include "api/web_session.hpp"

namespace domus::api {
namespace {

std::string_view sv(beast::string_view s) {
    return {s.data(), s.size()};
}

bool is_http_error(const beast::error_code& ec) {
    return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

}  // namespace

template <class S>
BasicHttpSession<S>::BasicHttpSession(ServerContext& ctx, S stream, bool needs_token,
                                      ConnectionSlot slot)
    : ctx_(ctx), stream_(std::move(stream)), needs_token_(needs_token), slot_(std::move(slot)) {
    // Room for one whole request plus what a client pipelines behind it.
    buffer_.max_size(ctx_.options.max_header_bytes + ctx_.options.max_body_bytes + 65536);
}

template <class S>
std::string_view BasicHttpSession<S>::sv_method() const {
    return sv(request_.method_string());
}
template <class S>
std::string_view BasicHttpSession<S>::sv_target() const {
    return sv(request_.target());
}

template <class S>
void BasicHttpSession<S>::log_and_count(int status) {
    ctx_.log_request(sv_method(), sv_target(), status, started_);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
    ctx_.api_metrics.record(route_, dashboard_, sv_method(), status, took.count());
}

template <class S>
void BasicHttpSession<S>::start() {
    // A new connection has request_timeout for its first request; later ones wait idle first.
    started_ = std::chrono::steady_clock::now();
    lowest().expires_after(ctx_.options.request_timeout);
    if constexpr (kTls) {
        // The TLS handshake counts against the first request's time. A client speaking plain
        // HTTP (or not trusting the certificate) fails it: the connection just closes.
        return stream_.async_handshake(asio::ssl::stream_base::server,
                                       [self = this->shared_from_this()](beast::error_code ec) {
                                           if (ec) return self->lowest().close();
                                           self->read_request();
                                       });
    }
    read_request();
}

template <class S>
void BasicHttpSession<S>::read_request() {
    request_ = {};
    route_ = nullptr;
    dashboard_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(ctx_.options.max_header_bytes));
    parser_->body_limit(ctx_.options.max_body_bytes);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
}

template <class S>
void BasicHttpSession<S>::on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    // TCP: who sends it (token, session cookie and Origin, or a public dashboard file: see
    // web_session.hpp) is settled by the header, before a byte of the body is read; a refused
    // client gets its 401 or 403 and the connection (and its slot) goes at once.
    if (needs_token_) {
        const auto& h = parser_->get();
        const std::string_view target = sv(h.target());
        const TcpAuthInput in{sv(h.method_string()),
                              target.substr(0, target.find('?')),
                              sv(h[http::field::authorization]),
                              sv(h[http::field::cookie]),
                              sv(h[http::field::origin]),
                              sv(h[http::field::host]),
                              websocket::is_upgrade(h),
                              kTls};
        auto d = decide_tcp_auth(in, ctx_.options.token, ctx_.web_sessions, &is_dashboard_path);
        if (d.status != 0) {
            request_.base() = h.base();
            parser_.reset();
            unauthenticated_ = true;
            return reply(error_reply(d.status, std::move(d.code), std::move(d.message)), false);
        }
    }
    if (parser_->is_done()) return handle();
    const auto expect = parser_->get()[http::field::expect];
    auto read_rest = [self = this->shared_from_this()] {
        http::async_read(self->stream_, self->buffer_, *self->parser_,
                         [self](beast::error_code ec, size_t) { self->on_read(ec); });
    };
    if (!beast::iequals(expect, "100-continue")) return read_rest();
    // curl waits a second for this before sending a body over 1 KiB.
    continue_ = http::response<http::empty_body>(http::status::continue_, 11);
    http::async_write(stream_, continue_,
                      [self = this->shared_from_this(), read_rest](beast::error_code ec, size_t) {
                          if (ec) return self->lowest().close();
                          read_rest();
                      });
}

template <class S>
void BasicHttpSession<S>::on_read(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    handle();
}

template <class S>
void BasicHttpSession<S>::on_read_error(beast::error_code ec) {
    const auto& o = ctx_.options;
    // The log line names the request when its header got through (e.g. a 413).
    if (parser_ && parser_->is_header_done()) request_.base() = parser_->get().base();
    if (ec == http::error::body_limit) {
        return reply(error_reply(413, "payload_too_large",
                                 "request body is over the limit of " +
                                     std::to_string(o.max_body_bytes) + " bytes"),
                     false);
    }
    if (ec == http::error::header_limit) {
        return reply(error_reply(400, "bad_request",
                                 "request header is over the limit of " +
                                     std::to_string(o.max_header_bytes) + " bytes"),
                     false);
    }
    if (is_http_error(ec) && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
        return reply(error_reply(400, "bad_request", "malformed HTTP request: " + ec.message()),
                     false);
    }
    // The client closed, reset or was too slow (beast::error::timeout): nothing to answer.
    beast::error_code ignored;
    lowest().socket().shutdown(asio::socket_base::shutdown_both, ignored);
    lowest().close();
}

template <class S>
void BasicHttpSession<S>::handle() {
    request_ = parser_->release();
    parser_.reset();
    lowest().expires_never();  // the Controller call may take a while; the write has its own
    keep_alive_ = request_.keep_alive();
    const std::string_view target = sv(request_.target());
    if (auto page = dashboard_reply(
            sv(request_.method_string()), target.substr(0, target.find('?')),
            sv(request_[http::field::if_none_match]), sv(request_[http::field::accept_encoding]))) {
        dashboard_ = true;
        return reply(std::move(*page), keep_alive_);
    }
    const HttpInput in{sv(request_.method_string()), sv(request_.target()), request_.body(),
                       sv(request_[http::field::accept]), sv(request_["Last-Event-ID"])};
    Translation t = translate(in);
    route_ = t.route;
    if (!t.ok()) return reply(error_reply(t.error, std::move(t.allow)), keep_alive_);
    dispatch(std::move(*t.request));
}

template <class S>
void BasicHttpSession<S>::dispatch(ApiRequest request) {
    if (request.route == RouteId::events && (request.event_stream || request.timeout.count() > 0)) {
        return start_events(request);
    }
    if (request.route == RouteId::console_ws) return start_console(request);
    if (request.route == RouteId::session_create) {
        return reply(
            session_create_reply(ctx_.web_sessions, ctx_.options.token, request.session_token),
            keep_alive_);
    }
    if (request.route == RouteId::session_delete) {
        return reply(session_delete_reply(ctx_.web_sessions, sv(request_[http::field::cookie])),
                     keep_alive_);
    }
    if (never_blocks(request.route)) {
        return reply(execute(ctx_.controller, request, &ctx_.list_cache, &ctx_.api_metrics),
                     keep_alive_);
    }
    ctx_.run_blocking(
        stream_.get_executor(),
        [&ctx = ctx_, request = std::move(request)] {
            return execute(ctx.controller, request, &ctx.list_cache, &ctx.api_metrics);
        },
        [self = this->shared_from_this()](HttpReply r) {
            self->reply(std::move(r), self->keep_alive_);
        });
}

template <class S>
void BasicHttpSession<S>::reply(HttpReply r, bool keep_alive) {
    log_and_count(r.status);
    if (r.shared_body && r.status != 204) {
        shared_body_ = std::move(r.shared_body);
        auto& response = shared_response_.emplace(static_cast<http::status>(r.status), 11);
        response.body() = {shared_body_->data(), shared_body_->size()};
        return send(response, r, keep_alive);
    }
    if (r.file && r.status != 204) {
        auto& response = file_response_.emplace(static_cast<http::status>(r.status), 11);
        beast::file file;
        file.native_handle(r.file->release());  // the body owns (and closes) it now
        beast::error_code ec;
        file.seek(0, ec);  // the body is sized from the whole file and read from the offset
        if (!ec) response.body().reset(std::move(file), ec);
        if (ec) {
            file_response_.reset();
            return reply(error_reply(500, "internal", "cannot send the file: " + ec.message()),
                         keep_alive);
        }
        return send(response, r, keep_alive);
    }
    auto& response = response_.emplace(static_cast<http::status>(r.status), 11);
    if (r.status != 204) response.body() = std::move(r.body);
    send(response, r, keep_alive);
}

template <class S>
template <typename Body>
void BasicHttpSession<S>::send(http::response<Body>& response, HttpReply& r, bool keep_alive) {
    response.set(http::field::server, "domusd");
    if (!r.content_type.empty()) response.set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) response.set(name, value);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    auto timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(ctx_.options.write_timeout);
    if constexpr (std::is_same_v<Body, http::file_body>) {
        // A core dump may be large: a client reading at least 1 MiB/s gets it whole.
        timeout += std::chrono::seconds(response.body().size() >> 20);
    }
    lowest().expires_after(timeout);
    http::async_write(stream_, response,
                      [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                          self->response_.reset();
                          self->shared_response_.reset();
                          self->shared_body_.reset();
                          self->file_response_.reset();
                          if (ec) return self->lowest().close();
                          if (self->unauthenticated_) return self->close_now();
                          if (!keep_alive) return self->close_gracefully();
                          self->wait_for_request();
                      });
}

template <class S>
void BasicHttpSession<S>::wait_for_request() {
    if (buffer_.size() > 0) {  // pipelined: the next request is already (partly) here
        started_ = std::chrono::steady_clock::now();
        lowest().expires_after(ctx_.options.request_timeout);
        return read_request();
    }
    // Idle keep-alive: up to idle_timeout for a first byte, then request_timeout for the rest.
    lowest().expires_after(ctx_.options.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(1024), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
            if (ec)
                return self->on_read_error(
                    ec == asio::error::eof ? beast::error_code(http::error::end_of_stream) : ec);
            self->buffer_.commit(n);
            self->started_ = std::chrono::steady_clock::now();
            self->lowest().expires_after(self->ctx_.options.request_timeout);
            self->read_request();
        });
}

// After a 401: nothing more is read from an unauthenticated client; its slot is free at once.
template <class S>
void BasicHttpSession<S>::close_now() {
    beast::error_code ignored;
    lowest().socket().shutdown(asio::socket_base::shutdown_both, ignored);
    lowest().close();
    slot_.release();
}

// After an error reply: stop sending, then read and discard what the client still sends for a
// moment, so closing with unread data does not reset the connection before it reads the reply.
template <class S>
void BasicHttpSession<S>::close_gracefully() {
    beast::error_code ignored;
    lowest().socket().shutdown(asio::socket_base::shutdown_send, ignored);
    lowest().expires_after(std::chrono::seconds(2));
    drain();
}

template <class S>
void BasicHttpSession<S>::drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                                if (ec) return self->lowest().close();
                                self->drain();
                            });
}

template class BasicHttpSession<PlainStream>;
template class BasicHttpSession<TlsStream>;

}  // namespace domus::api
