// Closed-loop HTTP load on one URL of a TCP listener: wrk when it is installed, else a small
// client of our own (one keep-alive connection per thread), both reporting p50/p99 and req/s.
#pragma once

#include <string>

namespace domus::bench {

struct LoadSpec {
    int port = 0;       // 127.0.0.1:port
    std::string path;   // e.g. /v1/domains
    std::string token;  // sent as Authorization: Bearer <token>
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
