#include "sock/msg_parse.hpp"

#include "abi/errno.hpp"
#include "kernel/string.hpp"

namespace sock {

using namespace linux_errno;

int decode_msghdr(const UserMsgHdr& raw, MsgHdr* out) {
    if (raw.namelen < 0) return -EINVAL;
    if (raw.iovlen > kIovMax) return -EMSGSIZE;
    out->name = raw.name;
    out->namelen = raw.name == 0 ? 0 : uint32_t(raw.namelen);
    if (out->namelen > kSockaddrStorage) out->namelen = kSockaddrStorage;
    out->iov = raw.iov;
    out->iovlen = uint32_t(raw.iovlen);
    out->control = raw.control;
    out->controllen = raw.controllen;
    out->flags = uint32_t(raw.flags);
    return 0;
}

int64_t check_iovecs(IoVec* vecs, uint32_t count, uint64_t user_top) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; ++i) {
        if (int64_t(vecs[i].len) < 0) return -EINVAL;
        if (vecs[i].len > kMaxRw - total) vecs[i].len = kMaxRw - total;
        const uint64_t base = vecs[i].base, len = vecs[i].len;
        if (len != 0 && (base > user_top || len > user_top - base)) return -EFAULT;
        total += len;
    }
    return int64_t(total);
}

int parse_cmsgs(const uint8_t* buf, uint64_t len, bool rights_ok, CmsgSend* out) {
    out->nfds = 0;
    out->has_creds = false;
    uint64_t off = 0;
    while (len - off >= sizeof(CmsgHdr)) {
        CmsgHdr h;
        memcpy(&h, buf + off, sizeof(h));
        if (h.len < sizeof(CmsgHdr) || h.len > len - off) return -EINVAL;
        if (h.level == SOL_SOCKET) {
            const uint8_t* data = buf + off + sizeof(CmsgHdr);
            const uint64_t data_len = h.len - sizeof(CmsgHdr);
            if (h.type == scm::RIGHTS) {
                if (!rights_ok) return -EINVAL;
                const uint64_t n = data_len / sizeof(int32_t);
                if (n > scm::kMaxFd || out->nfds + n > scm::kMaxFd) return -EINVAL;
                memcpy(out->fds + out->nfds, data, n * sizeof(int32_t));
                out->nfds += uint32_t(n);
            } else if (h.type == scm::CREDENTIALS) {
                if (h.len != cmsg_len(sizeof(Ucred))) return -EINVAL;
                memcpy(&out->creds, data, sizeof(Ucred));
                out->has_creds = true;
            } else {
                return -EINVAL;
            }
        }
        // CMSG_NXTHDR: the next header must fit whole.
        const uint64_t next = off + cmsg_align(h.len);
        if (next > len) break;
        off = next;
    }
    return 0;
}

void cmsg_put(CmsgWriter* w, int level, int type, const void* data, uint64_t len) {
    const uint64_t room = w->cap - w->used;
    if (room < sizeof(CmsgHdr)) {
        w->flags |= msg::CTRUNC;
        return;
    }
    uint64_t cmlen = cmsg_len(len);
    if (room < cmlen) {
        w->flags |= msg::CTRUNC;
        cmlen = room;
    }
    const CmsgHdr h{cmlen, level, type};
    memcpy(w->buf + w->used, &h, sizeof(h));
    memcpy(w->buf + w->used + sizeof(h), data, cmlen - sizeof(h));
    const uint64_t space = cmsg_space(len);
    w->used += space < room ? space : room;
}

uint32_t cmsg_fd_room(const CmsgWriter* w) {
    const uint64_t room = w->cap - w->used;
    if (room <= sizeof(CmsgHdr)) return 0;
    const uint64_t n = (room - sizeof(CmsgHdr)) / sizeof(int32_t);
    return n > scm::kMaxFd ? scm::kMaxFd : uint32_t(n);
}

int parse_unix_addr(const uint8_t* addr, uint32_t len, UnixAddr* out) {
    if (len <= kSunPathOffset || len > kSunPathOffset + kSunPathMax) return -EINVAL;
    uint16_t family;
    memcpy(&family, addr, sizeof(family));
    if (family != af::UNIX) return -EINVAL;
    const uint8_t* path = addr + kSunPathOffset;
    const uint32_t n = len - kSunPathOffset;
    memset(out->bytes, 0, sizeof(out->bytes));
    if (path[0] == 0) {
        out->abstract = true;
        out->len = n;
    } else {
        out->abstract = false;
        out->len = uint32_t(kstrnlen(reinterpret_cast<const char*>(path), n));
    }
    memcpy(out->bytes, path, out->len);
    return 0;
}

bool is_unix_autobind(const uint8_t* addr, uint32_t len) {
    if (len != kSunPathOffset) return false;
    uint16_t family;
    memcpy(&family, addr, sizeof(family));
    return family == af::UNIX;
}

uint32_t encode_unix_addr(const UnixAddr& a, uint8_t* out) {
    const uint16_t family = af::UNIX;
    memcpy(out, &family, sizeof(family));
    const uint32_t len = a.len > kSunPathMax ? kSunPathMax : a.len;
    memcpy(out + kSunPathOffset, a.bytes, len);
    if (a.abstract) return kSunPathOffset + len;
    out[kSunPathOffset + len] = 0;
    return kSunPathOffset + len + 1;
}

}  // namespace sock
