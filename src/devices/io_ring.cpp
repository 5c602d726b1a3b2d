#include "devices/io_ring.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace domus {

IoRing::~IoRing() {
    if (ready_) ::io_uring_queue_exit(&ring_);
}

Status IoRing::init(unsigned entries, const char* what, std::initializer_list<uint8_t> ops) {
    event_ = Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!event_.valid()) {
        return make_error(Errc::resource, std::string(what) + ": eventfd: " + std::strerror(errno));
    }
    // Made disabled: restrictions can only be registered before the ring first runs.
    if (const int r = ::io_uring_queue_init(entries, &ring_, IORING_SETUP_R_DISABLED); r < 0) {
        return make_error(Errc::unsupported,
                          std::string(what) + ": io_uring_queue_init: " + std::strerror(-r));
    }
    ready_ = true;
    if (const int r = ::io_uring_register_eventfd(&ring_, event_.get()); r < 0) {
        return make_error(Errc::unsupported,
                          std::string(what) + ": io_uring_register_eventfd: " + std::strerror(-r));
    }
    // Only SQE_OP entries: no IOSQE_* flag and no register operation is allowed from now on.
    std::vector<io_uring_restriction> allowed(ops.size());
    size_t i = 0;
    for (const uint8_t op : ops) {
        allowed[i].opcode = IORING_RESTRICTION_SQE_OP;
        allowed[i].sqe_op = op;
        ++i;
    }
    if (const int r = ::io_uring_register_restrictions(&ring_, allowed.data(),
                                                       static_cast<unsigned>(allowed.size()));
        r < 0) {
        return make_error(
            Errc::unsupported,
            std::string(what) + ": io_uring_register_restrictions: " + std::strerror(-r));
    }
    if (const int r = ::io_uring_enable_rings(&ring_); r < 0) {
        return make_error(Errc::unsupported,
                          std::string(what) + ": io_uring_enable_rings: " + std::strerror(-r));
    }
    return {};
}

io_uring_sqe* IoRing::get_sqe() {
    io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_);
    if (sqe == nullptr && queued_ != 0) {
        submit();
        sqe = ::io_uring_get_sqe(&ring_);
    }
    if (sqe != nullptr) ++queued_;
    return sqe;
}

void IoRing::submit() {
    if (queued_ == 0) return;
    int r;
    do {
        r = ::io_uring_submit(&ring_);
    } while (r == -EINTR);
    // -EBUSY/-EAGAIN: the kernel takes them on a later submit (the SQEs stay queued).
    if (r >= 0) queued_ = 0;
}

unsigned IoRing::drain(const std::function<void(uint64_t, int32_t)>& fn) {
    uint64_t count;
    while (::read(event_.get(), &count, sizeof count) < 0 && errno == EINTR) {
    }
    unsigned n = 0;
    io_uring_cqe* cqe;
    while (::io_uring_peek_cqe(&ring_, &cqe) == 0) {
        const uint64_t data = cqe->user_data;
        const int32_t res = cqe->res;
        ::io_uring_cqe_seen(&ring_, cqe);
        fn(data, res);
        ++n;
    }
    return n;
}

bool IoRing::wait(int timeout_ms) {
    __kernel_timespec ts{};
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (timeout_ms % 1000) * 1'000'000L;
    io_uring_cqe* cqe;
    return ::io_uring_wait_cqe_timeout(&ring_, &cqe, &ts) == 0;
}

}  // namespace domus
