#include "vmm/exit_status.hpp"

#include <cstring>

namespace domus::vmm {

namespace {

const char* signal_name(uint32_t signo) {
    static constexpr const char* kNames[] = {
        "",          "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
        "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS"};
    return signo < sizeof kNames / sizeof kNames[0] ? kNames[signo] : "a real-time signal";
}

}  // namespace

std::string describe_exit_status(uint32_t status) {
    const uint32_t signo = status & 0x7f;
    if (signo == 0) return "init exited with status " + std::to_string((status >> 8) & 0xff);
    std::string text =
        "init was killed by signal " + std::to_string(signo) + " (" + signal_name(signo) + ")";
    if (status & 0x80) text += ", core dumped";
    return text;
}

int shell_exit_code(uint32_t status) {
    const uint32_t signo = status & 0x7f;
    return signo == 0 ? static_cast<int>((status >> 8) & 0xff) : 128 + static_cast<int>(signo);
}

}  // namespace domus::vmm
