#include "load.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "bench_common.hpp"

namespace domus::bench {

namespace {

const char* kWrk = "/usr/bin/wrk";

// "1.23ms" / "850.00us" / "1.02s" -> milliseconds; negative when unparsable.
double wrk_ms(const std::string& v) {
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    const std::string unit(end);
    if (unit == "us") return x / 1000;
    if (unit == "ms") return x;
    if (unit == "s") return x * 1000;
    return -1;
}

int connect_tcp(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (fd >= 0) ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

// A TLS session on a connected socket, the daemon's certificate verified; null on failure.
SSL* tls_connect(SSL_CTX* ctx, int fd) {
    SSL* ssl = SSL_new(ctx);
    if (ssl == nullptr) return nullptr;
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
    if (SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1) {
        SSL_free(ssl);
        return nullptr;
    }
    return ssl;
}

// Sends `req` and reads one Content-Length response; its status, or 0 on a broken connection.
int exchange(SSL* ssl, const std::string& req, std::string& buf) {
    if (SSL_write(ssl, req.data(), static_cast<int>(req.size())) != static_cast<int>(req.size())) {
        return 0;
    }
    buf.clear();
    size_t need = std::string::npos;
    char chunk[65536];
    while (need == std::string::npos || buf.size() < need) {
        const int n = SSL_read(ssl, chunk, sizeof chunk);
        if (n <= 0) return 0;
        buf.append(chunk, static_cast<size_t>(n));
        const size_t head = buf.find("\r\n\r\n");
        if (need == std::string::npos && head != std::string::npos) {
            const size_t cl = buf.find("Content-Length: ");
            if (cl == std::string::npos || cl > head) return 0;
            need = head + 4 + std::strtoul(buf.c_str() + cl + 16, nullptr, 10);
        }
    }
    return buf.size() > 12 ? std::atoi(buf.c_str() + 9) : 0;
}

}  // namespace

bool have_wrk() {
    return is_executable(kWrk);
}

LoadResult run_wrk(const LoadSpec& s) {
    LoadResult res;
    const std::string url = "https://127.0.0.1:" + std::to_string(s.port) + s.path;
    auto r =
        run_child({kWrk, "-t" + std::to_string(s.wrk_threads), "-c" + std::to_string(s.connections),
                   "-d" + std::to_string(s.seconds) + "s", "--latency", "-H",
                   "Authorization: Bearer " + s.token, url},
                  {}, s.seconds + 20.0);
    if (!r.spawned || r.timed_out || r.exit_code != 0) {
        res.error = "wrk failed (exit " + std::to_string(r.exit_code) + "): " + r.err + r.out;
        return res;
    }
    if (r.out.find("Non-2xx") != std::string::npos ||
        r.out.find("Socket errors") != std::string::npos) {
        res.error = "wrk saw errors:\n" + r.out;
        return res;
    }
    std::istringstream in(r.out);
    std::string word;
    while (in >> word) {
        if (word == "50%" || word == "99%") {
            std::string v;
            in >> v;
            (word == "50%" ? res.p50_ms : res.p99_ms) = wrk_ms(v);
        } else if (word == "Requests/sec:") {
            in >> res.req_per_s;
        }
    }
    if (const size_t at = r.out.find(" requests in "); at != std::string::npos) {
        const size_t begin = r.out.rfind(' ', at - 1) + 1;
        res.requests = std::strtoull(r.out.c_str() + begin, nullptr, 10);
    }
    res.ok = res.p50_ms > 0 && res.p99_ms > 0 && res.req_per_s > 0;
    if (!res.ok) res.error = "cannot parse the wrk output:\n" + r.out;
    return res;
}

LoadResult run_own_client(const LoadSpec& s) {
    LoadResult res;
    const std::string req = "GET " + s.path +
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + s.token +
                            "\r\n\r\n";
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr || SSL_CTX_load_verify_locations(ctx, s.cacert.c_str(), nullptr) != 1) {
        if (ctx != nullptr) SSL_CTX_free(ctx);
        res.error = "cannot load the CA file " + s.cacert;
        return res;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    std::mutex mu;
    std::vector<double> all;
    std::atomic<bool> failed{false};
    const uint64_t t0 = now_ns();
    const uint64_t end = t0 + static_cast<uint64_t>(s.seconds) * 1000000000ull;
    std::vector<std::thread> pool;
    for (int c = 0; c < s.connections; ++c) {
        pool.emplace_back([&] {
            std::vector<double> mine;
            std::string buf;
            const int fd = connect_tcp(s.port);
            SSL* ssl = fd >= 0 ? tls_connect(ctx, fd) : nullptr;
            while (ssl != nullptr && !failed && now_ns() < end) {
                const uint64_t t = now_ns();
                if (exchange(ssl, req, buf) != 200) failed = true;
                mine.push_back(static_cast<double>(now_ns() - t) / 1e6);
            }
            if (ssl == nullptr) failed = true;
            if (ssl != nullptr) SSL_free(ssl);
            if (fd >= 0) ::close(fd);
            std::lock_guard lock(mu);
            all.insert(all.end(), mine.begin(), mine.end());
        });
    }
    for (auto& t : pool) t.join();
    SSL_CTX_free(ctx);
    if (failed) {
        res.error = "a request failed (connection refused or not 200)";
        return res;
    }
    res.requests = all.size();
    res.req_per_s = static_cast<double>(all.size()) / (static_cast<double>(now_ns() - t0) / 1e9);
    res.p50_ms = quantile(all, 0.5);
    res.p99_ms = quantile(all, 0.99);
    res.ok = !all.empty();
    return res;
}

}  // namespace domus::bench
