// mke2fs through fork/exec into a temporary file, then link() to the final name.
#include "control/image_create.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace domus::control {
namespace {

constexpr size_t kMaxMessageBytes = 2048;

Error io_error(const std::string& what) {
    return make_error(Errc::io, what + ": " + std::strerror(errno));
}

// The last line mke2fs wrote that says something, for the error message.
std::string tidy(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    for (char& c : text) {
        if (c == '\n') c = ';';
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    return text.empty() ? "no message" : text;
}

// Runs argv with stdout+stderr into a pipe; the exit status and what it printed.
Result<int> run(const std::vector<std::string>& args, std::string& output) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) return io_error("pipe");
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    char env_lang[] = "LC_ALL=C";
    char* envp[] = {env_path, env_lang, nullptr};
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(pipefd[0]);
        ::close(pipefd[1]);
        return io_error("fork");
    }
    if (pid == 0) {  // only async-signal-safe calls from here
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(pipefd[1], 1) < 0 ||
            ::dup2(pipefd[1], 2) < 0) {
            ::_exit(126);
        }
        ::close_range(3, ~0U, 0);
        sigset_t none;
        ::sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(argv[0], argv.data(), envp);
        ::_exit(127);
    }
    ::close(pipefd[1]);
    char buf[512];
    while (true) {
        const ssize_t n = ::read(pipefd[0], buf, sizeof buf);
        if (n > 0) {
            if (output.size() < kMaxMessageBytes) output.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    ::close(pipefd[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return io_error("waitpid");
    }
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

}  // namespace

std::string find_mke2fs() {
    for (const char* p : {"/usr/sbin/mke2fs", "/sbin/mke2fs"}) {
        if (::access(p, X_OK) == 0) return p;
    }
    return "";
}

Status create_ext2_image(const std::string& mke2fs, const std::string& dir, const std::string& name,
                         uint64_t size, const std::string& from_dir) {
    if (mke2fs.empty()) {
        return make_error(Errc::unsupported, "mke2fs was not found (install e2fsprogs)");
    }
    const std::string final_path = dir + "/" + name;
    struct stat st {};
    if (::lstat(final_path.c_str(), &st) == 0) {
        return make_error(Errc::invalid_argument, "image '" + name + "' already exists in " + dir);
    }
    std::string tmp = dir + "/." + name + ".tmp-XXXXXX";
    const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);  // O_CREAT | O_EXCL
    if (fd < 0) return io_error("cannot create a temporary file in " + dir);
    auto fail = [&tmp](Error e) {
        ::unlink(tmp.c_str());
        return e;
    };
    if (::fchmod(fd, 0600) != 0 || ::ftruncate(fd, static_cast<off_t>(size)) != 0) {
        Error e = io_error("cannot size " + tmp);
        ::close(fd);
        return fail(e);
    }
    ::close(fd);
    std::vector<std::string> args = {mke2fs, "-q", "-F", "-t", "ext2", "-L", name.substr(0, 16)};
    if (!from_dir.empty()) {
        args.push_back("-d");
        args.push_back(from_dir);
    }
    args.push_back(tmp);
    std::string output;
    auto status = run(args, output);
    if (!status) return fail(status.error());
    if (*status != 0) {
        return fail(make_error(Errc::io, "mke2fs failed (exit status " + std::to_string(*status) +
                                             "): " + tidy(output)));
    }
    // link() fails with EEXIST rather than replacing a file made meanwhile.
    if (::link(tmp.c_str(), final_path.c_str()) != 0) {
        if (errno == EEXIST) {
            return fail(make_error(Errc::invalid_argument,
                                   "image '" + name + "' already exists in " + dir));
        }
        return fail(io_error("cannot name the image " + final_path));
    }
    ::unlink(tmp.c_str());
    return {};
}

}  // namespace domus::control
