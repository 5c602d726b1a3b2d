// The TCP header and option parser (pure) and the state names.
#include "net/checksum.hpp"
#include "net/tcp.hpp"

namespace net {

void parse_tcp_options(const uint8_t* p, size_t len, TcpOptions* out) {
    *out = TcpOptions{};
    size_t i = 0;
    while (i < len) {
        uint8_t kind = p[i];
        if (kind == 0) break;  // end of option list
        if (kind == 1) {       // no-operation
            ++i;
            continue;
        }
        if (i + 1 >= len) break;  // the length byte is missing
        uint8_t olen = p[i + 1];
        if (olen < 2 || i + olen > len) break;  // a lie: stop, keep what was valid
        const uint8_t* o = p + i;
        switch (kind) {
            case 2:
                if (olen == 4) {
                    out->has_mss = true;
                    out->mss = load16(o + 2);
                }
                break;
            case 3:
                if (olen == 3) {
                    out->has_wscale = true;
                    out->wscale = o[2] > 14 ? 14 : o[2];
                }
                break;
            case 4:
                if (olen == 2) out->sack_ok = true;
                break;
            case 8:
                if (olen == 10) {
                    out->has_ts = true;
                    out->ts_val = load32(o + 2);
                    out->ts_ecr = load32(o + 6);
                }
                break;
            default:
                break;
        }
        i += olen;
    }
}

TcpError parse_tcp(const uint8_t* p, size_t len, uint32_t src, uint32_t dst, bool verify_csum,
                   TcpSegment* out) {
    if (p == nullptr || len < kTcpHdrLen) return TcpError::Truncated;
    uint32_t off = uint32_t(p[12] >> 4) * 4;
    if (off < kTcpHdrLen || off > len) return TcpError::BadOffset;
    if (verify_csum &&
        csum_partial(p, len, pseudo_sum(src, dst, kProtoTcp, uint32_t(len))) != 0xffff) {
        return TcpError::BadChecksum;
    }
    out->sport = load16(p);
    out->dport = load16(p + 2);
    out->seq = load32(p + 4);
    out->ack = load32(p + 8);
    out->flags = p[13] & 0x3f;
    out->window = load16(p + 14);
    out->header_len = uint16_t(off);
    parse_tcp_options(p + kTcpHdrLen, off - kTcpHdrLen, &out->opt);
    out->payload = p + off;
    out->payload_len = uint32_t(len - off);
    return TcpError::Ok;
}

const char* tcp_state_name(TcpState st) {
    switch (st) {
        case TcpState::Closed:
            return "CLOSED";
        case TcpState::Listen:
            return "LISTEN";
        case TcpState::SynSent:
            return "SYN_SENT";
        case TcpState::SynRecv:
            return "SYN_RECV";
        case TcpState::Established:
            return "ESTABLISHED";
        case TcpState::FinWait1:
            return "FIN_WAIT1";
        case TcpState::FinWait2:
            return "FIN_WAIT2";
        case TcpState::CloseWait:
            return "CLOSE_WAIT";
        case TcpState::Closing:
            return "CLOSING";
        case TcpState::LastAck:
            return "LAST_ACK";
        case TcpState::TimeWait:
            return "TIME_WAIT";
    }
    return "?";
}

uint8_t tcp_state_linux(TcpState st) {
    switch (st) {
        case TcpState::Established:
            return 1;
        case TcpState::SynSent:
            return 2;
        case TcpState::SynRecv:
            return 3;
        case TcpState::FinWait1:
            return 4;
        case TcpState::FinWait2:
            return 5;
        case TcpState::TimeWait:
            return 6;
        case TcpState::Closed:
            return 7;
        case TcpState::CloseWait:
            return 8;
        case TcpState::LastAck:
            return 9;
        case TcpState::Listen:
            return 10;
        case TcpState::Closing:
            return 11;
    }
    return 7;
}

}  // namespace net
