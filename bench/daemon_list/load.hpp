// Closed-loop HTTPS load on one URL of domusd's TCP listener: wrk when it is installed (it does
// not verify the certificate), else a small client of our own (one keep-alive TLS connection
// per thread, the certificate verified against `cacert`), both reporting p50/p99 and req/s.
#pragma once

#include <string>

namespace domus::bench {

struct LoadSpec {
    int port = 0;        // 127.0.0.1:port
    std::string path;    // e.g. /v1/domains
    std::string token;   // sent as Authorization: Bearer <token>
    std::string cacert;  // the daemon's <state-dir>/tls/cert.pem
    int connections = 16;
    int wrk_threads = 2;
    int seconds = 10;
};

struct LoadResult {
    bool ok = false;
    std::string error;  // why not ok
    double p50_ms = 0, p99_ms = 0, req_per_s = 0;
    unsigned long long requests = 0;
};

bool have_wrk();
LoadResult run_wrk(const LoadSpec& spec);
LoadResult run_own_client(const LoadSpec& spec);

}  // namespace domus::bench
