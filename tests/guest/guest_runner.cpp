#include "guest_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "process.hpp"

namespace domus::test::guest {

namespace {

double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

bool is_kernel_line(const std::string& line) {
    static const std::regex vcpu_online(R"(vcpu \d+ online)");
    return line.rfind("guest: ", 0) == 0 || std::regex_match(line, vcpu_online);
}

std::string remove_cr(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c != '\r') out.push_back(c);
    }
    return out;
}

}  // namespace

std::string images_dir() {
    return DOMUS_GUEST_IMAGES;
}

std::string image_path(const std::string& name) {
    return images_dir() + "/" + name;
}

std::string program_path(const std::string& name) {
    return images_dir() + "/bin/" + name;
}

std::string root_path(const std::string& relative) {
    return images_dir() + "/root/" + relative;
}

std::string images_problem() {
    for (const char* f : {"guest.cpio.gz", "small.cpio", "bin/guestgo", "root/bin/busybox"}) {
        if (!exists(image_path(f))) {
            return image_path(f) +
                   " is missing: run the tests through ctest (the guest_images fixture builds "
                   "them) or tests/guest/build_images.sh tests/guest " +
                   images_dir();
        }
    }
    return {};
}

std::string GuestResult::kernel_text() const {
    return join_lines(kernel_lines);
}

GuestResult run_guest(const GuestOptions& opts) {
    const std::string ramdisk = opts.ramdisk.empty() ? image_path("guest.cpio.gz") : opts.ramdisk;
    std::vector<std::string> args = {"run",
                                     "--ramdisk",
                                     ramdisk,
                                     "--vcpus",
                                     std::to_string(opts.vcpus),
                                     "--memory",
                                     std::to_string(opts.memory_mib),
                                     "--cmdline",
                                     opts.cmdline};
    for (const std::string& disk : opts.disks) {
        args.push_back("--disk");
        args.push_back(disk);
    }
    for (const std::string& nic : opts.nics) {
        args.push_back("--net");
        args.push_back(nic);
    }
    return run_guest_args(args, opts.timeout_s);
}

GuestResult run_guest_args(const std::vector<std::string>& args, double timeout_s) {
    RunOptions ro;
    ro.timeout_s = timeout_s;
    auto r = run_domus(args, ro);
    GuestResult g;
    g.exit_code = r.exit_code;
    g.timed_out = r.timed_out;
    g.seconds = r.seconds;
    g.console = remove_cr(r.out);
    g.err = r.err;
    for (auto& line : split_lines(g.console)) {
        (is_kernel_line(line) ? g.kernel_lines : g.lines).push_back(std::move(line));
    }
    return g;
}

HostResult run_host(const std::string& path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& env, const std::string& cwd, double timeout_s) {
    HostResult res;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return res;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    const double start = now_s();
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        return res;
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        const int null_fd = ::open("/dev/null", O_RDONLY);
        ::dup2(null_fd, 0);
        ::dup2(pipe_fds[1], 1);
        ::dup2(pipe_fds[1], 2);
        const rlimit no_core{0, 0};
        ::setrlimit(RLIMIT_CORE, &no_core);
        ::signal(SIGPIPE, SIG_DFL);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
        ::execve(path.c_str(), args.data(), envp.data());
        ::_exit(127);
    }
    ::close(pipe_fds[1]);
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    for (;;) {
        if (now_s() - start > timeout_s) {
            res.timed_out = true;
            ::kill(-pid, SIGKILL);
            break;
        }
        const int n = ::poll(&pfd, 1, 50);
        if (n < 0 && errno != EINTR) break;
        if (n <= 0) continue;
        char buf[4096];
        const ssize_t got = ::read(pipe_fds[0], buf, sizeof buf);
        if (got <= 0) break;
        res.out.append(buf, static_cast<size_t>(got));
    }
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::kill(-pid, SIGKILL);  // anything the program left behind in its group
    res.seconds = now_s() - start;
    if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) res.exit_code = 128 + WTERMSIG(status);
    res.lines = split_lines(res.out);
    return res;
}

TempDir::TempDir() {
    char tmpl[] = "/tmp/domus-guest-test-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
    if (path_.empty()) return;
    const pid_t pid = ::fork();
    if (pid == 0) {
        const char* argv[] = {"/bin/rm", "-rf", path_.c_str(), nullptr};
        ::execv(argv[0], const_cast<char* const*>(argv));
        ::_exit(127);
    }
    if (pid > 0) ::waitpid(pid, nullptr, 0);
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) {
        out += l;
        out += '\n';
    }
    return out;
}

std::string line_diff(const std::vector<std::string>& a, const std::vector<std::string>& b,
                      const std::string& a_name, const std::string& b_name) {
    if (a == b) return {};
    // Longest common subsequence, then a walk: small inputs (hundreds of lines).
    const size_t n = a.size(), m = b.size();
    std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
    for (size_t i = n; i-- > 0;) {
        for (size_t j = m; j-- > 0;) {
            lcs[i][j] =
                a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    // The walk as (kind, line) with kind ' ', '-' or '+'; then only changes and 2 lines of
    // context around them are printed.
    std::vector<std::pair<char, const std::string*>> ops;
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] == b[j]) {
            ops.emplace_back(' ', &a[i]);
            ++i;
            ++j;
        } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
            ops.emplace_back('+', &b[j++]);
        } else {
            ops.emplace_back('-', &a[i++]);
        }
    }
    constexpr size_t kContext = 2;
    std::vector<bool> show(ops.size(), false);
    for (size_t k = 0; k < ops.size(); ++k) {
        if (ops[k].first == ' ') continue;
        const size_t lo = k >= kContext ? k - kContext : 0;
        for (size_t c = lo; c < ops.size() && c <= k + kContext; ++c) show[c] = true;
    }
    std::string out = "--- " + a_name + "\n+++ " + b_name + "\n";
    bool skipped = false;
    for (size_t k = 0; k < ops.size(); ++k) {
        if (!show[k]) {
            skipped = true;
            continue;
        }
        if (skipped) out += "  ...\n";
        skipped = false;
        out += std::string(1, ops[k].first) + " " + *ops[k].second + "\n";
    }
    return out;
}

std::map<std::string, std::string> parse_outcomes(const std::vector<std::string>& lines) {
    std::map<std::string, std::string> out;
    for (const auto& l : lines) {
        const size_t colon = l.find(": ");
        if (colon == std::string::npos || colon == 0) continue;
        out.emplace(l.substr(0, colon), l.substr(colon + 2));
    }
    return out;
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace domus::test::guest
