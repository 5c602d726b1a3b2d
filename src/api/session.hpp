// One HTTP/1.1 connection (Unix or TCP): reads requests with the size limits and deadlines of
// ServerOptions, authenticates TCP requests from their header (before any body is read; a
// refused one gets a 401 or 403 and the connection closes), serves the dashboard's files
// (dashboard_assets.hpp) and sign-in (web_session.hpp), translates them, runs the Controller call
// on the worker pool and writes the reply; keep-alive until the client closes or idles out. An
// events request turns it into a long-poll or an SSE stream (session_events.cpp); a console
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
#include "api/http_reply.hpp"
#include "api/routes.hpp"
#include "api/server_context.hpp"

namespace domus::api {

// S is PlainStream (the Unix socket; TCP in the unit tests) or TlsStream (domusd's TCP).
template <class S>
class BasicHttpSession : public std::enable_shared_from_this<BasicHttpSession<S>> {
  public:
    BasicHttpSession(ServerContext& ctx, S stream, bool needs_token, ConnectionSlot slot);
    ~BasicHttpSession();
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

    // session_events.cpp: GET /v1/events with a wait (long-poll) or as an SSE stream.
    void start_events(const ApiRequest& request);
    void subscribe();
    void unsubscribe();
    void query_events();
    void on_events(std::vector<control::Event> events);
    void on_event_notify();
    void wait_events(std::chrono::steady_clock::time_point until);
    void write_stream(std::string data);
    void stream_closed();

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
    bool unauthenticated_ = false;  // a 401 went out: close once it is written

    // Events state (long-poll and SSE).
    asio::steady_timer timer_;
    uint64_t hub_id_ = 0;
    int64_t after_ = 0;
    std::chrono::steady_clock::time_point deadline_;
    bool event_stream_ = false;
    bool querying_ = false;
    bool waiting_ = false;
    bool notified_ = false;
    bool query_after_write_ = false;
    bool closed_ = false;
    std::string out_;
    std::array<char, 256> scratch_{};
};

using HttpSession = BasicHttpSession<PlainStream>;
using HttpsSession = BasicHttpSession<TlsStream>;

}  // namespace domus::api
