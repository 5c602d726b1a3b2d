// What the HTTP server listens on and the limits it enforces (defaults: docs/api.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "api/web_session.hpp"

namespace domus::api {

struct ServerOptions {
    std::string unix_socket;  // path; empty: no Unix listener
    std::string tcp_listen;   // "ADDR:PORT"; empty: no TCP listener
    std::string token;        // bearer token every TCP request must carry (required with TCP)
    // PEM certificate (chain) and key: TCP then speaks only HTTPS/WSS. domusd always gives
    // them (tls_cert.hpp); without them TCP is plain HTTP, which only the unit tests use.
    std::string tls_cert;
    std::string tls_key;

    size_t max_body_bytes = 64 * 1024;                 // 413 payload_too_large beyond
    size_t max_header_bytes = 8 * 1024;                // 400 bad_request beyond
    std::chrono::milliseconds request_timeout{10000};  // first byte to last byte of a request
    std::chrono::milliseconds idle_timeout{60000};     // keep-alive wait for the next request
    std::chrono::milliseconds write_timeout{10000};    // a response (or SSE record) to go out
    std::chrono::milliseconds sse_keepalive{15000};    // comment lines on a quiet event stream
    // Each listener counts its own connections (a TCP flood cannot take the Unix socket's).
    size_t max_connections_unix = 1024;  // beyond: 503 and close
    size_t max_connections_tcp = 256;    // beyond: 503 and close
    unsigned io_threads = 2;             // run the sockets (never block)
    unsigned worker_threads = 4;         // run Controller calls (may block)
    // The dashboard's browser sessions (web_session.hpp): each ends this long after sign-in;
    // at most this many at once (a new one beyond ends the oldest).
    std::chrono::seconds session_lifetime = kDefaultSessionLifetime;
    size_t max_sessions = kDefaultMaxSessions;
    bool verbose = false;  // one line per request on stderr
};

}  // namespace domus::api
