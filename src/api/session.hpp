// One HTTP/1.1 connection (Unix or TCP): reads requests with the size limits and deadlines of
// ServerOptions, authenticates TCP requests from their header (before any body is read; a
// refused one gets a 401 or 403 and the connection closes), serves the dashboard's files
// (dashboard_assets.hpp) and sign-in (web_session.hpp), translates them, runs the Controller call
// on the worker pool and writes the reply; keep-alive until the client closes or idles out. An
// events request waits in a LongPoll or hands the socket to an EventStream (SSE); a console
// WebSocket upgrade hands the socket to a WsConsole. Everything runs on the connection's strand.
// One template for both kinds of stream: plain (Unix socket) and TLS (TCP).
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "api/beast.hpp"
#include "api/event_stream.hpp"
#include "api/http_reply.hpp"
#include "api/routes.hpp"
#include "api/server_context.hpp"

namespace domus::api {

// S is PlainStream (the Unix socket; TCP in the unit tests) or TlsStream (domusd's TCP).
template <class S>
class BasicHttpSession : public std::enable_shared_from_this<BasicHttpSession<S>> {
  public:
    BasicHttpSession(ServerContext& ctx, S stream, bool needs_token, ConnectionSlot slot);
    void start();  // over TLS: the handshake first

  private:
    static constexpr bool kTls = std::is_same_v<S, TlsStream>;
    PlainStream& lowest() { return beast::get_lowest_layer(stream_); }

    // session.cpp: the request/response loop.
    void read_request();
    void wait_for_request();
    void on_header(beast::error_code ec);
    void on_read(beast::error_code ec);
    void on_read_error(beast::error_code ec);
    void handle();
    void dispatch(ApiRequest request);
    void reply(HttpReply reply, bool keep_alive);
    template <typename Body>
    void send(http::response<Body>& response, HttpReply& reply, bool keep_alive);
    void close_gracefully();
    void close_now();
    void drain();
    std::string_view sv_method() const;
    std::string_view sv_target() const;
    // The request log line and the request metrics, once per answered request.
    void log_and_count(int status);

    // session_events.cpp: GET /v1/events with a wait: a LongPoll answered here, or the
    // connection handed to an EventStream (SSE), both in event_stream.hpp.
    void start_events(const ApiRequest& request);

    // ws_console.cpp: the console WebSocket handoff.
    void start_console(const ApiRequest& request);

    ServerContext& ctx_;
    S stream_;
    bool needs_token_;
    ConnectionSlot slot_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    Request request_;
    std::optional<http::response<http::string_body>> response_;
    // A reply whose body is shared (HttpReply::shared_body): kept alive until written.
    std::optional<http::response<http::span_body<const char>>> shared_response_;
    std::shared_ptr<const std::string> shared_body_;
    // A reply whose body is a file (HttpReply::file, a core dump): streamed from it.
    std::optional<http::response<http::file_body>> file_response_;
    http::response<http::empty_body> continue_;
    std::chrono::steady_clock::time_point started_;
    bool keep_alive_ = false;
    bool unauthenticated_ = false;      // a 401 went out: close once it is written
    const RouteSpec* route_ = nullptr;  // the request's route (metrics label); null: none
    bool dashboard_ = false;            // the request was for a dashboard file

    std::array<char, 256> scratch_{};
};

using HttpSession = BasicHttpSession<PlainStream>;
using HttpsSession = BasicHttpSession<TlsStream>;

}  // namespace domus::api
