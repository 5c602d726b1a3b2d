// HttpSession: the request/response loop with its limits and deadlines.
#include "api/session.hpp"

#include "api/api_token.hpp"
#include "api/dispatch.hpp"

namespace domus::api {
namespace {

std::string_view sv(beast::string_view s) {
    return {s.data(), s.size()};
}

bool is_http_error(const beast::error_code& ec) {
    return &ec.category() == &http::make_error_code(http::error::bad_target).category();
}

}  // namespace

HttpSession::HttpSession(ServerContext& ctx, Socket socket, bool needs_token, ConnectionSlot slot)
    : ctx_(ctx),
      stream_(std::move(socket)),
      needs_token_(needs_token),
      slot_(std::move(slot)),
      timer_(stream_.get_executor()) {
    // Room for one whole request plus what a client pipelines behind it.
    buffer_.max_size(ctx_.options.max_header_bytes + ctx_.options.max_body_bytes + 65536);
}

HttpSession::~HttpSession() {
    unsubscribe();
}

std::string_view HttpSession::sv_method() const {
    return sv(request_.method_string());
}
std::string_view HttpSession::sv_target() const {
    return sv(request_.target());
}

void HttpSession::start() {
    // A new connection has request_timeout for its first request; later ones wait idle first.
    started_ = std::chrono::steady_clock::now();
    stream_.expires_after(ctx_.options.request_timeout);
    read_request();
}

void HttpSession::read_request() {
    request_ = {};
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(ctx_.options.max_header_bytes));
    parser_->body_limit(ctx_.options.max_body_bytes);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
}

void HttpSession::on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return handle();
    const auto expect = parser_->get()[http::field::expect];
    auto read_rest = [self = shared_from_this()] {
        http::async_read(self->stream_, self->buffer_, *self->parser_,
                         [self](beast::error_code ec, size_t) { self->on_read(ec); });
    };
    if (!beast::iequals(expect, "100-continue")) return read_rest();
    // curl waits a second for this before sending a body over 1 KiB.
    continue_ = http::response<http::empty_body>(http::status::continue_, 11);
    http::async_write(stream_, continue_,
                      [self = shared_from_this(), read_rest](beast::error_code ec, size_t) {
                          if (ec) return self->stream_.close();
                          read_rest();
                      });
}

void HttpSession::on_read(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    handle();
}

void HttpSession::on_read_error(beast::error_code ec) {
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
    stream_.socket().shutdown(asio::socket_base::shutdown_both, ignored);
    stream_.close();
}

void HttpSession::handle() {
    request_ = parser_->release();
    parser_.reset();
    stream_.expires_never();  // the Controller call may take a while; the write has its own
    keep_alive_ = request_.keep_alive();
    if (needs_token_) {
        const std::string_view given = bearer_token(sv(request_[http::field::authorization]));
        if (!token_equal(ctx_.options.token, given)) {
            return reply(
                error_reply(401, "unauthorized",
                            given.empty() ? "this TCP endpoint needs Authorization: Bearer <token> "
                                            "(the token is in <state-dir>/api.token)"
                                          : "the bearer token is not valid"),
                keep_alive_);
        }
    }
    const HttpInput in{sv(request_.method_string()), sv(request_.target()), request_.body(),
                       sv(request_[http::field::accept]), sv(request_["Last-Event-ID"])};
    Translation t = translate(in);
    if (!t.ok()) return reply(error_reply(t.error, std::move(t.allow)), keep_alive_);
    dispatch(std::move(*t.request));
}

void HttpSession::dispatch(ApiRequest request) {
    if (request.route == RouteId::events && (request.event_stream || request.timeout.count() > 0)) {
        return start_events(request);
    }
    if (request.route == RouteId::console_ws) return start_console(request);
    if (never_blocks(request.route)) {
        return reply(execute(ctx_.controller, request, &ctx_.list_cache), keep_alive_);
    }
    ctx_.run_blocking(
        stream_.get_executor(),
        [&ctx = ctx_, request = std::move(request)] {
            return execute(ctx.controller, request, &ctx.list_cache);
        },
        [self = shared_from_this()](HttpReply r) { self->reply(std::move(r), self->keep_alive_); });
}

void HttpSession::reply(HttpReply r, bool keep_alive) {
    ctx_.log_request(sv_method(), sv_target(), r.status, started_);
    if (r.shared_body && r.status != 204) {
        shared_body_ = std::move(r.shared_body);
        auto& response = shared_response_.emplace(static_cast<http::status>(r.status), 11);
        response.body() = {shared_body_->data(), shared_body_->size()};
        return send(response, r, keep_alive);
    }
    auto& response = response_.emplace(static_cast<http::status>(r.status), 11);
    if (r.status != 204) response.body() = std::move(r.body);
    send(response, r, keep_alive);
}

template <typename Body>
void HttpSession::send(http::response<Body>& response, HttpReply& r, bool keep_alive) {
    response.set(http::field::server, "domusd");
    if (!r.content_type.empty()) response.set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) response.set(name, value);
    response.keep_alive(keep_alive);
    response.prepare_payload();
    stream_.expires_after(ctx_.options.write_timeout);
    http::async_write(stream_, response,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                          self->response_.reset();
                          self->shared_response_.reset();
                          self->shared_body_.reset();
                          if (ec) return self->stream_.close();
                          if (!keep_alive) return self->close_gracefully();
                          self->wait_for_request();
                      });
}

void HttpSession::wait_for_request() {
    if (buffer_.size() > 0) {  // pipelined: the next request is already (partly) here
        started_ = std::chrono::steady_clock::now();
        stream_.expires_after(ctx_.options.request_timeout);
        return read_request();
    }
    // Idle keep-alive: up to idle_timeout for a first byte, then request_timeout for the rest.
    stream_.expires_after(ctx_.options.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(1024), [self = shared_from_this()](beast::error_code ec, size_t n) {
            if (ec)
                return self->on_read_error(
                    ec == asio::error::eof ? beast::error_code(http::error::end_of_stream) : ec);
            self->buffer_.commit(n);
            self->started_ = std::chrono::steady_clock::now();
            self->stream_.expires_after(self->ctx_.options.request_timeout);
            self->read_request();
        });
}

// After an error reply: stop sending, then read and discard what the client still sends for a
// moment, so closing with unread data does not reset the connection before it reads the reply.
void HttpSession::close_gracefully() {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::socket_base::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    drain();
}

void HttpSession::drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                                if (ec) return self->stream_.close();
                                self->drain();
                            });
}

}  // namespace domus::api
