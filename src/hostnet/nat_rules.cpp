// The masquerade table and nft(8).
#include "hostnet/nat_rules.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/fd.hpp"

extern char** environ;

namespace domus::hostnet {

std::string nat_ruleset(const Subnet& subnet, const std::string& bridge) {
    const std::string net = format_subnet(subnet);
    // "add table" first so that "delete table" never fails on a fresh host.
    return std::string("add table ip ") + kNatTable + "\n" + "delete table ip " + kNatTable + "\n" +
           "table ip " + kNatTable + " {\n" +
           "  chain postrouting {\n"
           "    type nat hook postrouting priority srcnat; policy accept;\n"
           "    ip saddr " +
           net + " ip daddr != " + net + " oifname != \"" + bridge + "\" masquerade\n" + "  }\n}\n";
}

Status run_nft(const std::string& script, const std::string& nft_path) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0)
        return make_error(Errc::io, "pipe: " + std::string(std::strerror(errno)));
    Fd in_r(in[0]), in_w(in[1]);
    if (::pipe2(out, O_CLOEXEC) != 0)
        return make_error(Errc::io, "pipe: " + std::string(std::strerror(errno)));
    Fd out_r(out[0]), out_w(out[1]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_r.get(), 0);
    posix_spawn_file_actions_adddup2(&fa, out_w.get(), 1);
    posix_spawn_file_actions_adddup2(&fa, out_w.get(), 2);
    std::vector<std::string> args{nft_path, "-f", "-"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, nft_path.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        return make_error(Errc::unsupported,
                          "cannot run " + nft_path + " (package nftables): " + std::strerror(rc));
    }
    in_r.reset();
    out_w.reset();
    size_t off = 0;
    while (off < script.size()) {
        const ssize_t n = ::write(in_w.get(), script.data() + off, script.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += static_cast<size_t>(n);
    }
    in_w.reset();
    std::string output;
    char buf[1024];
    while (true) {
        const ssize_t n = ::read(out_r.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (output.size() < 4096) output.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        while (!output.empty() && (output.back() == '\n' || output.back() == ' '))
            output.pop_back();
        return make_error(Errc::io,
                          "nft failed: " + (output.empty() ? std::string("no message") : output));
    }
    return {};
}

Status apply_nat(bool on, const Subnet& subnet, const std::string& bridge) {
    if (!on) {
        return run_nft(std::string("add table ip ") + kNatTable + "\ndelete table ip " + kNatTable +
                       "\n");
    }
    if (auto st = run_nft(nat_ruleset(subnet, bridge)); !st) return st;
    Fd f(::open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC));
    if (!f.valid() || ::write(f.get(), "1\n", 2) != 2) {
        return make_error(Errc::io, std::string("cannot enable net.ipv4.ip_forward for NAT: ") +
                                        std::strerror(errno));
    }
    return {};
}

}  // namespace domus::hostnet
