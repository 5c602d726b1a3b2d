// SOL_SOCKET options with Linux's semantics (net/core/sock.c): what every family shares.
// Options of other levels, and SOL_SOCKET ones unknown here, go to the family's hooks.
#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "kernel/string.hpp"
#include "sock/socket.hpp"

namespace sock {

namespace {

using namespace linux_errno;

struct OldTimeval {
    int64_t sec;
    int64_t usec;
};

// SO_RCVTIMEO/SO_SNDTIMEO: {0, 0} is no timeout; a negative time is "do not wait" (0).
int timeval_to_timeo(const void* val, uint32_t len, uint64_t* out) {
    OldTimeval tv;
    if (len < sizeof(tv)) return -EINVAL;
    memcpy(&tv, val, sizeof(tv));
    if (tv.usec < 0 || tv.usec >= 1000000) return -EDOM;
    if (tv.sec < 0) {
        *out = 0;
        return 0;
    }
    if (tv.sec == 0 && tv.usec == 0) {
        *out = kNoTimeout;
        return 0;
    }
    if (uint64_t(tv.sec) >= (kNoTimeout - 1) / 1'000'000'000 - 1) {
        *out = kNoTimeout;
        return 0;
    }
    *out = uint64_t(tv.sec) * 1'000'000'000 + uint64_t(tv.usec) * 1000;
    return 0;
}

OldTimeval timeo_to_timeval(uint64_t timeo) {
    if (timeo == kNoTimeout) return {0, 0};
    return {int64_t(timeo / 1'000'000'000), int64_t(timeo % 1'000'000'000 / 1000)};
}

bool* bool_option(Socket* s, int name) {
    switch (name) {
        case so::REUSEADDR:
            return &s->reuseaddr;
        case so::REUSEPORT:
            return &s->reuseport;
        case so::KEEPALIVE:
            return &s->keepalive;
        case so::BROADCAST:
            return &s->broadcast;
        case so::DONTROUTE:
            return &s->dontroute;
        case so::OOBINLINE:
            return &s->oobinline;
        case so::PASSCRED:
            return &s->passcred;
        case so::TIMESTAMP:
            return &s->timestamp;
        case so::DEBUG:
            return &s->debug;
        default:
            return nullptr;
    }
}

// The value is cut to the caller's length, as Linux does (sock_getsockopt).
int put_value(const void* value, uint32_t size, void* val, uint32_t* len) {
    if (*len > size) *len = size;
    memcpy(val, value, *len);
    return 0;
}

}  // namespace

int sock_getsockopt(Socket* s, int level, int name, void* val, uint32_t* len) {
    if (int32_t(*len) < 0) return -EINVAL;
    if (level != SOL_SOCKET) {
        return s->ops->getsockopt ? s->ops->getsockopt(s, level, name, val, len) : -EOPNOTSUPP;
    }
    int32_t v = 0;
    {
        LockGuard guard(s->lock);
        if (bool* b = bool_option(s, name)) {
            v = *b ? 1 : 0;
        } else {
            switch (name) {
                case so::TYPE:
                    v = s->type;
                    break;
                case so::DOMAIN:
                    v = s->family;
                    break;
                case so::PROTOCOL:
                    v = s->protocol;
                    break;
                case so::ACCEPTCONN:
                    v = s->listening ? 1 : 0;
                    break;
                case so::SNDBUF:
                    v = int32_t(s->sndbuf);
                    break;
                case so::RCVBUF:
                    v = int32_t(s->rcvbuf);
                    break;
                case so::RCVLOWAT:
                    v = int32_t(s->rcvlowat);
                    break;
                case so::SNDLOWAT:
                    v = 1;
                    break;
                case so::PRIORITY:
                    v = s->priority;
                    break;
                case so::NO_CHECK:
                case so::BSDCOMPAT:
                    v = 0;
                    break;
                case so::LINGER: {
                    const Linger l = s->linger;
                    return put_value(&l, sizeof(l), val, len);
                }
                case so::RCVTIMEO_OLD:
                case so::SNDTIMEO_OLD: {
                    const OldTimeval tv = timeo_to_timeval(
                        name == so::RCVTIMEO_OLD ? s->rcvtimeo_ns : s->sndtimeo_ns);
                    return put_value(&tv, sizeof(tv), val, len);
                }
                case so::PEERCRED: {
                    const Ucred c = s->peer_cred;
                    return put_value(&c, sizeof(c), val, len);
                }
                case so::ERROR:
                    break;  // below, without the lock
                default:
                    if (!s->ops->getsockopt) return -ENOPROTOOPT;
                    s->lock.unlock();
                    {
                        const int r = s->ops->getsockopt(s, level, name, val, len);
                        s->lock.lock();
                        return r;
                    }
            }
        }
    }
    if (name == so::ERROR) v = sock_take_error(s);
    return put_value(&v, sizeof(v), val, len);
}

namespace {

int set_option(Socket* s, int level, int name, const void* val, uint32_t len, bool* generic) {
    *generic = false;
    if (int32_t(len) < 0) return -EINVAL;
    if (level != SOL_SOCKET) {
        return s->ops->setsockopt ? s->ops->setsockopt(s, level, name, val, len) : -EOPNOTSUPP;
    }
    *generic = true;
    if (name == so::RCVTIMEO_OLD || name == so::SNDTIMEO_OLD) {
        uint64_t timeo;
        const int r = timeval_to_timeo(val, len, &timeo);
        if (r < 0) return r;
        LockGuard guard(s->lock);
        (name == so::RCVTIMEO_OLD ? s->rcvtimeo_ns : s->sndtimeo_ns) = timeo;
        return 0;
    }
    if (name == so::LINGER) {
        Linger l;
        if (len < sizeof(l)) return -EINVAL;
        memcpy(&l, val, sizeof(l));
        LockGuard guard(s->lock);
        s->linger.onoff = l.onoff ? 1 : 0;
        if (l.onoff) s->linger.linger = l.linger;
        return 0;
    }
    if (len < sizeof(int32_t)) return -EINVAL;
    int32_t v;
    memcpy(&v, val, sizeof(v));
    LockGuard guard(s->lock);
    if (bool* b = bool_option(s, name)) {
        *b = v != 0;
        return 0;
    }
    switch (name) {
        case so::SNDBUF:
        case so::SNDBUFFORCE: {
            const uint32_t u = uint32_t(v) > kBufMax ? kBufMax : uint32_t(v);
            s->sndbuf = u * 2 > kMinSndBuf ? u * 2 : kMinSndBuf;
            return 0;
        }
        case so::RCVBUF:
        case so::RCVBUFFORCE: {
            const uint32_t u = uint32_t(v) > kBufMax ? kBufMax : uint32_t(v);
            s->rcvbuf = u * 2 > kMinRcvBuf ? u * 2 : kMinRcvBuf;
            return 0;
        }
        case so::RCVLOWAT:
            s->rcvlowat = v > 0 ? uint32_t(v) : 1;
            return 0;
        case so::PRIORITY:
            s->priority = v;  // beyond 0..6 needs CAP_NET_ADMIN, which every process has here
            return 0;
        case so::NO_CHECK:
        case so::BSDCOMPAT:
            return 0;
        case so::TYPE:
        case so::DOMAIN:
        case so::PROTOCOL:
        case so::ACCEPTCONN:
        case so::ERROR:
        case so::PEERCRED:
            return -ENOPROTOOPT;
        default:
            break;
    }
    *generic = false;
    if (!s->ops->setsockopt) return -ENOPROTOOPT;
    s->lock.unlock();
    const int r = s->ops->setsockopt(s, level, name, val, len);
    s->lock.lock();
    return r;
}

}  // namespace

int sock_setsockopt(Socket* s, int level, int name, const void* val, uint32_t len) {
    bool generic = false;
    const int r = set_option(s, level, name, val, len, &generic);
    if (r == 0 && generic && s->ops->option_set != nullptr) s->ops->option_set(s, name);
    return r;
}

}  // namespace sock
