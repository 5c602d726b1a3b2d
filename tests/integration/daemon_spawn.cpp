#include "daemon_spawn.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cstdlib>

extern char** environ;

namespace domus::test {

pid_t spawn_logged(std::vector<std::string> args, const std::string& log_path) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 ? pid : -1;
}

pid_t spawn_domusd(const std::string& domusd, const std::string& socket,
                   const std::string& state_dir, const std::vector<std::string>& extra,
                   const std::string& log_path, const std::vector<std::string>& wrapper) {
    std::vector<std::string> args = wrapper;
    for (const char* a :
         {domusd.c_str(), "--socket", socket.c_str(), "--state-dir", state_dir.c_str()}) {
        args.emplace_back(a);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return spawn_logged(std::move(args), log_path);
}

std::string read_proc_file(const std::string& path) {
    std::string out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
    ::close(fd);
    return out;
}

std::vector<pid_t> monitors_under(const std::string& dir) {
    std::vector<pid_t> pids;
    DIR* d = ::opendir("/proc");
    if (d == nullptr) return pids;
    while (dirent* e = ::readdir(d)) {
        const pid_t pid = std::atoi(e->d_name);
        if (pid <= 0) continue;
        const std::string cmd = read_proc_file("/proc/" + std::string(e->d_name) + "/cmdline");
        if (cmd.find("domus-vmm") != std::string::npos && cmd.find(dir) != std::string::npos) {
            pids.push_back(pid);
        }
    }
    ::closedir(d);
    return pids;
}

}  // namespace domus::test
