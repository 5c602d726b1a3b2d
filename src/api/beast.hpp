// The one place the server includes Boost.Beast and Boost.Asio from. Internal to src/api: no
// header other modules include pulls this in (Beast TUs compile slowly).
#pragma once

// Boost 1.81's Beast/Asio headers compile warning-free with g++ 12 and clang 14 at
// -Wall -Wextra; should one start warning, silence that one warning here with
// #pragma GCC diagnostic push/ignored around these includes.
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace domus::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

// Unix and TCP sockets share one socket type; TCP (in domusd) has TLS on top. The sessions are
// templates on the stream: PlainStream or TlsStream.
using Protocol = asio::generic::stream_protocol;
using Socket = Protocol::socket;
using PlainStream = beast::basic_stream<Protocol>;
using TlsStream = asio::ssl::stream<PlainStream>;
using Stream = PlainStream;
using Request = http::request<http::string_body>;

}  // namespace domus::api
