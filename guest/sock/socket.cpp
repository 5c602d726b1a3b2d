// The generic socket: the File operations of every socket, allocation, the family registry,
// waking and waiting, and the blocking loops around the families' non-blocking operations.
#include "sock/socket.hpp"

#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "fs/inode.hpp"
#include "ipc/poll_wait.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "mm/usercopy.hpp"
#include "proc/process.hpp"
#include "proc/signal.hpp"
#include "proc/task.hpp"
#include "sock/unix.hpp"
#include "syscalls/dispatch.hpp"

namespace sock {

namespace {

using namespace linux_errno;
namespace pe = linux_abi::poll_event;

constexpr uint32_t EPOLLRDHUP = 0x2000;

constinit SpinLock g_families_lock;
const SocketFamily* g_families[af::MAX] = {nullptr, &kUnixFamily};  // [af::UNIX]

bool file_nonblocking(const fs::File* f) {
    return (fs::file_get_flags(f) & linux_abi::oflag::NONBLOCK) != 0;
}

// read(2)/write(2) on a socket: recv/send without flags or address. Descriptors that arrive
// with the data are closed, as Linux does for a read.
int64_t socket_read(fs::File* f, void* buf, size_t len) {
    Socket* s = sock_of(f);
    ScmFiles* rights = knew<ScmFiles>();
    if (!rights) return -ENOMEM;
    RecvMsg m{};
    m.data = buf;
    m.len = len;
    m.rights = rights;
    const int64_t r = sock_recv(s, &m, file_nonblocking(f));
    for (uint32_t i = 0; i < rights->count; ++i) fs::file_put(rights->files[i]);
    kfree(rights);
    return r;
}

int64_t socket_write(fs::File* f, const void* buf, size_t len) {
    SendMsg m{};
    m.data = buf;
    m.len = len;
    m.sender = current_cred();
    return sock_send(sock_of(f), &m, file_nonblocking(f));
}

uint32_t socket_poll(fs::File* f) {
    Socket* s = sock_of(f);
    return s->ops && s->ops->poll ? s->ops->poll(s) : pe::OUT | pe::IN;
}

int64_t socket_ioctl(fs::File* f, uint32_t cmd, uint64_t arg) {
    Socket* s = sock_of(f);
    if (cmd != FIONREAD && cmd != SIOCOUTQ) return -ENOTTY;
    if (!s->ops->ioctl) return -ENOTTY;
    int64_t value = 0;
    const int r = s->ops->ioctl(s, cmd, &value);
    if (r < 0) return r;
    const int32_t v = int32_t(value);
    return put_user(arg, v) == 0 ? 0 : -EFAULT;
}

void socket_release(fs::File* f) {
    Socket* s = sock_of(f);
    if (s->ops && s->ops->release) s->ops->release(s);
    s->file = nullptr;
    sock_put(s);
}

uint64_t socket_wake_count(fs::File* f) {
    return __atomic_load_n(&sock_of(f)->wake_gen, __ATOMIC_ACQUIRE);
}

const fs::FileOps kSocketFileOps = {socket_read,    socket_write,     nullptr,      nullptr,
                                    nullptr,        nullptr,          socket_ioctl, socket_poll,
                                    socket_release, socket_wake_count};

}  // namespace

int register_family(const SocketFamily* family) {
    if (family->family <= 0 || family->family >= af::MAX) return -EINVAL;
    LockGuard guard(g_families_lock);
    if (g_families[family->family]) return -EBUSY;
    g_families[family->family] = family;
    return 0;
}

const SocketFamily* find_family(int family) {
    if (family <= 0 || family >= af::MAX) return nullptr;
    LockGuard guard(g_families_lock);
    return g_families[family];
}

Socket* sock_alloc(int family, int type, int protocol) {
    Socket* s = knew<Socket>();
    if (!s) return nullptr;
    s->refs = 1;
    s->family = family;
    s->type = type;
    s->protocol = protocol;
    s->rcvtimeo_ns = s->sndtimeo_ns = kNoTimeout;
    s->sndbuf = kBufDefault;
    s->rcvbuf = kBufDefault;
    s->rcvlowat = 1;
    s->peer_cred = Ucred{0, ~0u, ~0u};
    return s;
}

void sock_get(Socket* s) {
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

void sock_put(Socket* s) {
    if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0) kdelete(s);
}

void sock_free(Socket* s) {
    if (!s) return;
    if (s->ops && s->ops->release) s->ops->release(s);
    sock_put(s);
}

int sock_make_file(Socket* s, bool nonblock, fs::File** out) {
    fs::Inode* inode = fs::inode_create_anonymous(linux_abi::smode::IFSOCK | 0777);
    if (!inode) {
        sock_free(s);
        return -ENOMEM;
    }
    const uint32_t flags = linux_abi::oflag::RDWR | (nonblock ? linux_abi::oflag::NONBLOCK : 0);
    fs::File* f = fs::file_create(&kSocketFileOps, inode, flags);
    if (!f) {
        sock_free(s);
        return -ENOMEM;
    }
    f->private_data = s;
    s->file = f;
    *out = f;
    return 0;
}

Socket* sock_of(fs::File* file) {
    return file && file->ops == &kSocketFileOps ? static_cast<Socket*>(file->private_data)
                                                : nullptr;
}

void sock_wake(Socket* s) {
    s->wait_lock.lock();
    ++s->wake_gen;
    sched::wake_all(s->waiters);
    s->wait_lock.unlock();
    ipc::poll_wake_all();
}

void sock_set_error(Socket* s, int err) {
    __atomic_store_n(&s->error, err, __ATOMIC_RELEASE);
}

int sock_take_error(Socket* s) {
    const int err = __atomic_exchange_n(&s->error, 0, __ATOMIC_ACQ_REL);
    if (err != 0 || s->ops == nullptr || s->ops->take_error == nullptr) return err;
    return s->ops->take_error(s);
}

uint64_t sock_wait_begin(Socket* s) {
    LockGuard guard(s->wait_lock);
    return s->wake_gen;
}

int sock_wait(Socket* s, uint64_t generation, uint64_t deadline_ns) {
    LockGuard guard(s->wait_lock);
    while (s->wake_gen == generation) {
        if (deadline_ns && sched::now_ns() >= deadline_ns) return -EAGAIN;
        const int r = sched::wait(s->waiters, s->wait_lock, deadline_ns);
        if (r == -EINTR) return deadline_ns ? -EINTR : -syscalls::kRestartSys;
        if (r == -ETIMEDOUT && s->wake_gen == generation) return -EAGAIN;
    }
    return 0;
}

uint64_t sock_deadline(uint64_t timeo_ns) {
    if (timeo_ns == kNoTimeout) return 0;
    const uint64_t now = sched::now_ns();
    return now + timeo_ns < now ? 0 : now + timeo_ns;
}

namespace {

uint64_t timeout_of(Socket* s, bool send) {
    LockGuard guard(s->lock);
    return send ? s->sndtimeo_ns : s->rcvtimeo_ns;
}

}  // namespace

int sock_accept(Socket* s, bool nonblock, Socket** out) {
    if (!s->ops->accept) return -EOPNOTSUPP;
    const uint64_t timeo = timeout_of(s, false);
    if (timeo == 0) nonblock = true;
    const uint64_t deadline = sock_deadline(timeo);
    for (;;) {
        const uint64_t gen = sock_wait_begin(s);
        const int r = s->ops->accept(s, out);
        if (r != -EAGAIN || nonblock) return r;
        const int w = sock_wait(s, gen, deadline);
        if (w < 0) return w;
    }
}

int sock_connect(Socket* s, const uint8_t* addr, uint32_t len, bool nonblock) {
    if (!s->ops->connect) return -EOPNOTSUPP;
    const uint64_t timeo = timeout_of(s, true);
    if (timeo == 0) nonblock = true;
    const uint64_t deadline = sock_deadline(timeo);
    for (;;) {
        WaitTarget wait{nullptr, 0};
        const int r = s->ops->connect(s, addr, len, &wait);
        if (r == -EAGAIN) {
            if (nonblock || !wait.on) {
                sock_put(wait.on);
                return -EAGAIN;
            }
            const int w = sock_wait(wait.on, wait.gen, deadline);
            sock_put(wait.on);
            if (w < 0) return w;
            continue;
        }
        sock_put(wait.on);
        if (r != -EINPROGRESS || nonblock) return r;
        // In progress: wait until the family reports the outcome.
        for (;;) {
            const uint64_t gen = sock_wait_begin(s);
            if (s->ops->poll(s) & (pe::OUT | pe::ERR | pe::HUP)) break;
            const int w = sock_wait(s, gen, deadline);
            if (w == -EAGAIN) return -EINPROGRESS;
            if (w < 0) return w;
        }
        return -sock_take_error(s);
    }
}

int64_t sock_send(Socket* s, SendMsg* m, bool nonblock) {
    if (!s->ops->sendmsg) return -EOPNOTSUPP;
    const bool stream = s->type == type::STREAM;
    const uint64_t timeo = timeout_of(s, true);
    if (timeo == 0) nonblock = true;
    const uint64_t deadline = sock_deadline(timeo);
    size_t done = 0;
    int64_t r;
    for (;;) {
        const uint64_t gen = sock_wait_begin(s);
        SendMsg piece = *m;
        piece.data = static_cast<const uint8_t*>(m->data) + done;
        piece.len = m->len - done;
        piece.wait = WaitTarget{nullptr, 0};
        if (done) {
            piece.rights = nullptr;  // ancillary data goes with the first byte
            piece.creds = nullptr;
        }
        r = s->ops->sendmsg(s, &piece);
        if (r != -EAGAIN || nonblock) sock_put(piece.wait.on);
        if (r >= 0) {
            done += size_t(r);
            if (!stream || done >= m->len) return int64_t(done);
            continue;
        }
        if (r == -EAGAIN && !nonblock) {
            int w;
            if (piece.wait.on) {
                w = sock_wait(piece.wait.on, piece.wait.gen, deadline);
                sock_put(piece.wait.on);
            } else {
                w = sock_wait(s, gen, deadline);
            }
            if (w == 0) continue;
            r = w;
        }
        break;
    }
    if (done) return int64_t(done);
    if (r == -EPIPE && stream && !(m->flags & msg::NOSIGNAL)) {
        Task* t = current();
        proc::send_to_task(t, sig::SIGPIPE,
                           SigInfo{sig::SIGPIPE, sig::SI_USER, 0, t->proc->pid, 0});
    }
    return r;
}

int64_t sock_recv(Socket* s, RecvMsg* m, bool nonblock) {
    if (!s->ops->recvmsg) return -EOPNOTSUPP;
    const bool stream = s->type == type::STREAM;
    const bool waitall = stream && (m->flags & msg::WAITALL) && !(m->flags & msg::PEEK);
    const uint64_t timeo = timeout_of(s, false);
    if (timeo == 0) nonblock = true;
    const uint64_t deadline = sock_deadline(timeo);
    size_t done = 0;
    int64_t r;
    for (;;) {
        const uint64_t gen = sock_wait_begin(s);
        RecvMsg piece = *m;
        piece.data = static_cast<uint8_t*>(m->data) + done;
        piece.len = m->len - done;
        piece.out_flags = 0;
        r = s->ops->recvmsg(s, &piece);
        if (r > 0 || (r == 0 && !stream)) {
            if (done == 0) {
                memcpy(m->addr, piece.addr, sizeof(m->addr));
                m->addr_len = piece.addr_len;
                m->has_creds = piece.has_creds;
                m->creds = piece.creds;
            }
            m->msg_len = piece.msg_len;
            m->out_flags |= piece.out_flags;
            done += size_t(r);
            // Stream pieces carrying descriptors or credentials end the call.
            if (!waitall || done >= m->len || m->rights->count || piece.has_creds) {
                return int64_t(done);
            }
            continue;
        }
        if (r == 0) return int64_t(done);  // end of the stream
        if (r == -EAGAIN && !nonblock) {
            const int w = sock_wait(s, gen, deadline);
            if (w == 0) continue;
            r = w;
        }
        break;
    }
    return done ? int64_t(done) : r;
}

Ucred current_cred() {
    return Ucred{current()->proc->pid, 0, 0};
}

}  // namespace sock
