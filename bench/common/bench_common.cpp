#include "bench_common.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

extern char** environ;

namespace domus::bench {

uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

bool have_kvm() {
    return ::access("/dev/kvm", R_OK | W_OK) == 0;
}
bool is_executable(const std::string& path) {
    return ::access(path.c_str(), X_OK) == 0;
}

namespace {

// Compares the complete lines of res.out from `scanned` on with `mark`, until one matches.
void find_mark(ChildResult& res, const std::string& mark, uint64_t start, size_t& scanned) {
    const uint64_t at = now_ns();
    size_t nl;
    while (!res.mark_ms && (nl = res.out.find('\n', scanned)) != std::string::npos) {
        std::string_view l(res.out.data() + scanned, nl - scanned);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (l.compare(0, mark.size(), mark) == 0) {
            res.mark_ms = static_cast<double>(at - start) / 1e6;
        }
        scanned = nl + 1;
    }
}

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv,
                      const std::vector<std::pair<std::string, std::string>>& env, double timeout_s,
                      const std::string& mark) {
    ChildResult res;
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return res;
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return res;
    }

    // The environment is built before the clock starts.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string s(*e);
        const bool overridden = std::any_of(env.begin(), env.end(), [&](const auto& kv) {
            return s.compare(0, kv.first.size() + 1, kv.first + "=") == 0;
        });
        if (!overridden) env_strings.push_back(s);
    }
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);

    const uint64_t start = now_ns();
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        res.err = std::string("cannot spawn ") + argv[0] + ": " + std::strerror(rc);
        return res;
    }
    res.spawned = true;

    // Drain both pipes until the child closes them (at its exit), then reap it.
    size_t scanned = 0;  // start of the first line of out not yet compared with mark
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    const uint64_t deadline = start + static_cast<uint64_t>(timeout_s * 1e9);
    while (open_fds > 0) {
        const uint64_t now = now_ns();
        if (now >= deadline) {
            res.timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        const int wait_ms =
            static_cast<int>(std::min<uint64_t>((deadline - now) / 1000000 + 1, 1000));
        const int n = ::poll(fds, 2, wait_ms);
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            if (r > 0) {
                (i == 0 ? res.out : res.err).append(buf, static_cast<size_t>(r));
                if (i == 0 && !mark.empty()) find_mark(res, mark, start, scanned);
            } else if (r == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds) {
        if (f.fd >= 0) ::close(f.fd);
    }
    int status = 0;
    rusage ru{};
    while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    res.ms = static_cast<double>(now_ns() - start) / 1e6;
    res.maxrss_kib = ru.ru_maxrss;
    if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) res.exit_code = 128 + WTERMSIG(status);
    return res;
}

double quantile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const double pos = q * static_cast<double>(values.size() - 1);
    const size_t lo = static_cast<size_t>(pos);
    const size_t hi = std::min(lo + 1, values.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    return values[lo] + (values[hi] - values[lo]) * frac;
}

std::optional<std::string> field(const std::string& text, const std::string& key) {
    const std::string needle = key + "=";
    size_t pos = 0;
    while ((pos = text.find(needle, pos)) != std::string::npos) {
        // Only a whole key: at the start or after whitespace.
        if (pos == 0 || text[pos - 1] == ' ' || text[pos - 1] == '\n' || text[pos - 1] == '\t') {
            const size_t begin = pos + needle.size();
            const size_t end = text.find_first_of(" \t\r\n", begin);
            return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
        }
        pos += needle.size();
    }
    return std::nullopt;
}

std::optional<uint64_t> field_u64(const std::string& text, const std::string& key) {
    auto v = field(text, key);
    if (!v || v->empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(v->c_str(), &end, 0);
    if (errno != 0 || end == nullptr || *end != '\0') return std::nullopt;
    return static_cast<uint64_t>(n);
}

void report_failure(const std::string& label, const ChildResult& r) {
    std::fprintf(stderr, "%s: %s (exit %d)\n--- stdout ---\n%s\n--- stderr ---\n%s\n",
                 label.c_str(), r.timed_out ? "timed out" : "failed", r.exit_code, r.out.c_str(),
                 r.err.c_str());
}

uint64_t option_u64(int argc, char** argv, const std::string& name, uint64_t fallback) {
    const std::string prefix = "--" + name + "=";
    for (int i = 1; i < argc; ++i) {
        const std::string a(argv[i]);
        if (a.compare(0, prefix.size(), prefix) == 0) {
            return std::strtoull(a.c_str() + prefix.size(), nullptr, 0);
        }
    }
    return fallback;
}

}  // namespace domus::bench
