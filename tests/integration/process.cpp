#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace domus::test {

namespace {

double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

bool have_kvm() {
    return ::access("/dev/kvm", R_OK | W_OK) == 0;
}

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& opts) {
    static const bool sigpipe_ignored = (::signal(SIGPIPE, SIG_IGN), true);
    (void)sigpipe_ignored;
    ProcessResult res;
    int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) return res;
    const bool feed = !opts.input.empty();
    if (feed && ::pipe2(in_pipe, O_CLOEXEC) != 0) return res;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    if (feed) {
        posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    } else {
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    const double start = now_s();
    pid_t pid = -1;
    int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (feed) ::close(in_pipe[0]);
    bool input_written = !feed;
    bool input_closed = !feed;
    double written_at = 0;
    if (rc != 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        res.err = "spawn failed";
        return res;
    }

    bool signalled = false;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        const double elapsed = now_s() - start;
        if (elapsed > opts.timeout_s) {
            res.timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        const bool may_write = opts.input_after_output.empty() ||
                               res.out.find(opts.input_after_output) != std::string::npos;
        if (!input_written && may_write && elapsed >= opts.input_after_s) {
            (void)!::write(in_pipe[1], opts.input.data(), opts.input.size());
            input_written = true;
            written_at = elapsed;
        }
        const bool answered = !opts.close_input_after_output.empty() &&
                              res.out.find(opts.close_input_after_output) != std::string::npos;
        if (input_written && !input_closed &&
            (answered || elapsed >= written_at + opts.close_input_after_s)) {
            ::close(in_pipe[1]);
            input_closed = true;
        }
        if (opts.signal != 0 && !signalled && elapsed >= opts.signal_after_s) {
            ::kill(pid, opts.signal);
            signalled = true;
        }
        int n = ::poll(fds, 2, 20);
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            if (r > 0) {
                (i == 0 ? res.out : res.err).append(buf, static_cast<size_t>(r));
            } else {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds) {
        if (f.fd >= 0) ::close(f.fd);
    }
    if (!input_closed) ::close(in_pipe[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    res.seconds = now_s() - start;
    if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) res.exit_code = 128 + WTERMSIG(status);
    return res;
}

ProcessResult run_domus(const std::vector<std::string>& args, const RunOptions& opts) {
    std::vector<std::string> argv{DOMUS_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, opts);
}

}  // namespace domus::test
