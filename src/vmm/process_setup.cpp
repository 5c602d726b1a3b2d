#include "vmm/process_setup.hpp"

#include <signal.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cstring>

#include "boot/elf_loader.hpp"
#include "boot/file_read.hpp"
#include "vmm/embedded_guest.hpp"

namespace domus::vmm {

Result<Fd> signal_fd_for(std::initializer_list<int> signals, int flags) {
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : signals) sigaddset(&mask, s);
    if (::pthread_sigmask(SIG_BLOCK, &mask, nullptr) != 0) {
        return make_error(Errc::resource, "cannot block the termination signals");
    }
    Fd fd(::signalfd(-1, &mask, SFD_CLOEXEC | flags));
    if (!fd.valid()) {
        return make_error(Errc::resource, std::string("signalfd: ") + std::strerror(errno));
    }
    return fd;
}

Result<KernelImage> KernelImage::load(const std::string& path) {
    KernelImage k;
    if (path.empty()) return k;
    auto bytes = read_file(path, kMaxKernelBytes);
    if (!bytes) return bytes.error();
    k.file_ = std::move(bytes.value());
    return k;
}

std::span<const uint8_t> KernelImage::bytes() const {
    if (file_.empty()) return embedded_guest();
    return file_;
}

}  // namespace domus::vmm
