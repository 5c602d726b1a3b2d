// fuzz_guest_sockmsg: arbitrary bytes through the guest socket layer's pure decoders. The
// first byte picks the decoder; the rest is its input. Each result is checked against the
// rules the system calls rely on (counts within bounds, nothing written past a buffer).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sock/msg_parse.hpp"

using namespace sock;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t which = data[0] % 5;
    ++data;
    --size;
    switch (which) {
        case 0: {  // msghdr
            UserMsgHdr raw{};
            std::memcpy(&raw, data, size < sizeof raw ? size : sizeof raw);
            MsgHdr h;
            if (decode_msghdr(raw, &h) == 0) {
                if (h.namelen > kSockaddrStorage || h.iovlen > kIovMax) std::abort();
                if (raw.name == 0 && h.namelen != 0) std::abort();
            }
            break;
        }
        case 1: {  // iovecs
            std::vector<IoVec> v(size / sizeof(IoVec));
            if (!v.empty()) std::memcpy(v.data(), data, v.size() * sizeof(IoVec));
            const int64_t total = check_iovecs(v.data(), uint32_t(v.size()), kUserTop);
            if (total >= 0) {
                uint64_t sum = 0;
                for (const IoVec& x : v) {
                    if (x.len && (x.base >= kUserTop || x.len > kUserTop - x.base)) std::abort();
                    sum += x.len;
                }
                if (sum != uint64_t(total) || sum > kMaxRw) std::abort();
            }
            break;
        }
        case 2: {  // sendmsg control buffer (an exact-size heap copy: ASan sees any overread)
            std::vector<uint8_t> buf(data, data + size);
            CmsgSend* out = new CmsgSend;
            if (parse_cmsgs(buf.data(), buf.size(), size % 2 == 0, out) == 0) {
                if (out->nfds > scm::kMaxFd) std::abort();
            }
            delete out;
            break;
        }
        case 3: {  // AF_UNIX address, and its encoding back
            std::vector<uint8_t> buf(data, data + size);
            UnixAddr a;
            if (parse_unix_addr(buf.data(), uint32_t(buf.size()), &a) == 0) {
                if (a.len > kSunPathMax) std::abort();
                std::vector<uint8_t> out(kUnixAddrOut);
                const uint32_t n = encode_unix_addr(a, out.data());
                if (n > kUnixAddrOut || n < 2) std::abort();
                UnixAddr back;
                if (a.len > 0 && parse_unix_addr(out.data(), n, &back) == 0 &&
                    (back.len != a.len || back.abstract != a.abstract)) {
                    std::abort();
                }
            }
            (void)is_unix_autobind(buf.data(), uint32_t(buf.size()));
            break;
        }
        case 4: {  // recvmsg control writer: a series of puts into a buffer of the input's size
            if (size < 2) break;
            const size_t cap = data[0];
            std::vector<uint8_t> buf(cap);
            CmsgWriter w{buf.data(), cap, 0, 0};
            for (size_t i = 1; i + 1 < size; i += 2) {
                const size_t len = data[i] % 64;
                uint8_t payload[64] = {};
                cmsg_put(&w, 1, data[i + 1], payload, len);
                if (w.used > cap) std::abort();
                const uint32_t room = cmsg_fd_room(&w);
                if (room && sizeof(CmsgHdr) + room * 4 > cap - w.used) std::abort();
            }
            break;
        }
    }
    return 0;
}
