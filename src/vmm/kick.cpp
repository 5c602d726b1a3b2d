#include "vmm/kick.hpp"

#include <signal.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace domus::vmm {

namespace {
const int kKickSignal = SIGRTMIN + 1;
void on_kick(int) {}
}  // namespace

Status install_kick_handler() {
    struct sigaction sa {};
    sa.sa_handler = on_kick;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return EINTR
    if (::sigaction(kKickSignal, &sa, nullptr) != 0) {
        return make_error(Errc::resource, std::string("sigaction: ") + std::strerror(errno));
    }
    return {};
}

void kick_thread(pthread_t thread) {
    ::pthread_kill(thread, kKickSignal);
}

}  // namespace domus::vmm
