#include "guest_bench.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

extern char** environ;

namespace domus::bench::guest {

std::string images_dir() {
    return GUEST_BENCH_IMAGES_DIR;
}
std::string image(const std::string& name) {
    return images_dir() + "/" + name + ".cpio";
}
std::string program(const std::string& name) {
    return images_dir() + "/bin/" + name;
}
std::string domus_bin() {
    return DOMUS_BIN;
}

bool build_images(const std::string& label) {
    auto r = run_child({"/bin/bash", std::string(GUEST_BENCH_SOURCE_DIR) + "/build_images.sh",
                        GUEST_BENCH_SOURCE_DIR, images_dir()},
                       {}, 600);
    if (r.exit_code != 0) {
        report_failure(label + ": bench/guest/build_images.sh", r);
        return false;
    }
    return true;
}

GuestRun spec(std::string ramdisk, std::string cmdline, int vcpus, int memory_mib) {
    GuestRun g;
    g.vcpus = vcpus;
    g.memory_mib = memory_mib;
    g.ramdisk = std::move(ramdisk);
    g.cmdline = std::move(cmdline);
    return g;
}

std::vector<std::string> guest_argv(const GuestRun& g) {
    std::vector<std::string> argv = {DOMUS_BIN, "run", "--vcpus", std::to_string(g.vcpus)};
    if (g.memory_mib > 0) {
        argv.push_back("--memory");
        argv.push_back(std::to_string(g.memory_mib));
    }
    if (!g.ramdisk.empty()) {
        argv.push_back("--ramdisk");
        argv.push_back(g.ramdisk);
    }
    argv.push_back("--cmdline");
    argv.push_back(g.cmdline);
    return argv;
}

ChildResult run_guest(const GuestRun& g) {
    return run_child(guest_argv(g), g.env, g.timeout_s);
}

std::string program_output(const std::string& console) {
    std::istringstream in(console);
    std::string line, out;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("guest: ", 0) == 0) continue;
        out += line;
        out += '\n';
    }
    return out;
}

std::optional<double> result_field(const ChildResult& r, const std::string& key) {
    const std::string text = program_output(r.out);
    const size_t at = text.rfind("result ");
    if (at == std::string::npos || (at != 0 && text[at - 1] != '\n')) return std::nullopt;
    const auto v = field(text.substr(at, text.find('\n', at) - at), key);
    if (!v || v->empty()) return std::nullopt;
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (end == nullptr || *end != '\0') return std::nullopt;
    return d;
}

bool ok(const std::string& label, const ChildResult& r) {
    if (r.spawned && !r.timed_out && r.exit_code == 0 &&
        program_output(r.out).find("result ") != std::string::npos) {
        return true;
    }
    report_failure(label, r);
    return false;
}

LineTiming time_to_line(const std::vector<std::string>& argv, const std::string& line,
                        double timeout_s) {
    LineTiming t;
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return t;
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return t;
    }
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
    const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        t.child.err = std::string("cannot spawn ") + argv[0] + ": " + std::strerror(rc);
        return t;
    }
    t.child.spawned = true;

    bool seen = false;
    size_t scanned = 0;  // start of the first line of out not yet compared
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    const uint64_t deadline = start + static_cast<uint64_t>(timeout_s * 1e9);
    while (open_fds > 0) {
        const uint64_t now = now_ns();
        if (now >= deadline) {
            t.child.timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        const int n = ::poll(fds, 2, static_cast<int>((deadline - now) / 1000000 + 1));
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            if (r > 0) {
                std::string& dst = i == 0 ? t.child.out : t.child.err;
                dst.append(buf, static_cast<size_t>(r));
                if (i == 0 && !seen) {
                    const uint64_t at = now_ns();
                    size_t nl;
                    while (!seen && (nl = dst.find('\n', scanned)) != std::string::npos) {
                        std::string l = dst.substr(scanned, nl - scanned);
                        if (!l.empty() && l.back() == '\r') l.pop_back();
                        if (l.compare(0, line.size(), line) == 0) {
                            seen = true;
                            t.first_ms = static_cast<double>(at - start) / 1e6;
                        }
                        scanned = nl + 1;
                    }
                }
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
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    t.exit_ms = static_cast<double>(now_ns() - start) / 1e6;
    if (WIFEXITED(status)) t.child.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) t.child.exit_code = 128 + WTERMSIG(status);
    t.child.ms = t.exit_ms;
    t.ok = seen && !t.child.timed_out && t.child.exit_code == 0;
    return t;
}

std::string ratio(double num, double den, int decimals) {
    if (den == 0) return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, num / den);
    return buf;
}

}  // namespace domus::bench::guest
