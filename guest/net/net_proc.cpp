#include "net/net_proc.hpp"

#include "kernel/format.hpp"
#include "net/stack.hpp"
#include "net/tcp.hpp"
#include "net/udp.hpp"

namespace net {
namespace {

struct Out {
    char* buf;
    size_t cap;
    size_t len = 0;

    [[gnu::format(printf, 2, 3)]] void put(const char* fmt, ...) {
        if (cap == 0 || len + 1 >= cap) return;
        __builtin_va_list ap;
        __builtin_va_start(ap, fmt);
        len += format_to_v(buf + len, cap - len, fmt, ap);
        __builtin_va_end(ap);
    }
};

// Linux prints the address's network-order bytes as a host (little-endian) word.
uint32_t hexaddr(uint32_t a) {
    return ((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >> 8) & 0xff00) | (a >> 24);
}

}  // namespace

size_t proc_net_tcp(Stack& s, char* buf, size_t cap) {
    StackGuard g(s);
    Out o{buf, cap};
    o.put(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n");
    unsigned i = 0;
    for (TcpSock* t = s.tcp_list; t != nullptr; t = t->next) {
        if (t->state == TcpState::Closed) continue;
        uint32_t txq = t->state == TcpState::Listen ? 0 : t->snd_max - t->snd_una;
        uint32_t rxq = t->state == TcpState::Listen ? t->acceptq_len : t->rcvq.len;
        o.put(
            "%4u: %08X:%04X %08X:%04X %02X %08X:%08X 00:00000000 %08X     0        0 0 1 "
            "0000000000000000 %u 0 0 10 -1\n",
            i++, hexaddr(t->local.addr), t->local.port, hexaddr(t->remote.addr), t->remote.port,
            tcp_state_linux(t->state), txq, rxq, t->retries, t->rto_us / 10000);
    }
    return o.len;
}

size_t proc_net_udp(Stack& s, char* buf, size_t cap) {
    StackGuard g(s);
    Out o{buf, cap};
    o.put(
        "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode ref pointer drops\n");
    unsigned i = 0;
    for (UdpSock* u = s.udp_list; u != nullptr; u = u->next) {
        o.put(
            "%5u: %08X:%04X %08X:%04X %02X %08X:%08X 00:00000000 00000000     0        0 0 "
            "2 0000000000000000 0\n",
            i++, hexaddr(u->local.addr), u->local.port, hexaddr(u->remote.addr), u->remote.port,
            u->connected ? 1 : 7, 0u, unsigned(u->rx_charge));
    }
    return o.len;
}

size_t proc_net_dev(Stack& s, char* buf, size_t cap) {
    StackGuard g(s);
    Out o{buf, cap};
    o.put("Inter-|   Receive                                                |  Transmit\n");
    o.put(
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
        "errs drop fifo colls carrier compressed\n");
    for (uint32_t i = 0; i < s.nifaces; ++i) {
        const NetDevice* d = s.ifaces[i].dev;
        const NetDeviceStats& st = d->stats;
        o.put(
            "%6s: %7llu %7llu %4u %4llu %4u %5u %10u %9u %8llu %7llu %4u %4llu %4u %5u %7u "
            "%10u\n",
            d->name, (unsigned long long)st.rx_bytes, (unsigned long long)st.rx_packets, 0u,
            (unsigned long long)st.rx_dropped, 0u, 0u, 0u, 0u, (unsigned long long)st.tx_bytes,
            (unsigned long long)st.tx_packets, 0u, (unsigned long long)st.tx_dropped, 0u, 0u, 0u,
            0u);
    }
    return o.len;
}

size_t proc_net_snmp(Stack& s, char* buf, size_t cap) {
    StackGuard g(s);
    Out o{buf, cap};
    const Stats& st = s.stats;
    auto u = [](uint64_t v) { return (unsigned long long)v; };
    o.put(
        "Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams "
        "InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes "
        "ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates\n");
    o.put("Ip: 2 64 %llu %llu %llu 0 %llu %llu %llu %llu %llu %llu 0 %llu 0 %llu 0 0 0\n",
          u(st.ip.in_receives), u(st.ip.in_hdr_errors), u(st.ip.in_addr_errors),
          u(st.ip.in_unknown_protos), u(st.ip.in_discards), u(st.ip.in_delivers),
          u(st.ip.out_requests), u(st.ip.out_discards), u(st.ip.out_no_routes),
          u(st.ip.reasm_reqds), u(st.ip.reasm_fails));
    o.put(
        "Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs "
        "InSrcQuenchs InRedirects InEchos InEchoReps InTimestamps InTimestampReps "
        "InAddrMasks InAddrMaskReps OutMsgs OutErrors OutDestUnreachs OutTimeExcds "
        "OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps "
        "OutTimestampReps OutAddrMasks OutAddrMaskReps\n");
    o.put(
        "Icmp: %llu %llu %llu %llu 0 0 0 0 %llu %llu 0 0 0 0 %llu 0 %llu 0 0 0 0 %llu %llu 0 0 "
        "0 0\n",
        u(st.icmp.in_msgs), u(st.icmp.in_errors), u(st.icmp.in_csum_errors),
        u(st.icmp.in_dest_unreachs), u(st.icmp.in_echos), u(st.icmp.in_echo_reps),
        u(st.icmp.out_msgs), u(st.icmp.out_dest_unreachs), u(st.icmp.out_echos),
        u(st.icmp.out_echo_reps));
    unsigned long long estab = 0;
    for (TcpSock* t = s.tcp_list; t != nullptr; t = t->next) {
        if (t->state == TcpState::Established || t->state == TcpState::CloseWait) ++estab;
    }
    o.put(
        "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails "
        "EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n");
    o.put("Tcp: 1 200 120000 -1 %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
          u(st.tcp.active_opens), u(st.tcp.passive_opens), u(st.tcp.attempt_fails),
          u(st.tcp.estab_resets), estab, u(st.tcp.in_segs), u(st.tcp.out_segs),
          u(st.tcp.retrans_segs), u(st.tcp.in_errs), u(st.tcp.out_rsts), u(st.tcp.in_csum_errors));
    o.put(
        "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors "
        "InCsumErrors IgnoredMulti MemErrors\n");
    o.put("Udp: %llu %llu %llu %llu %llu %llu %llu 0 0\n", u(st.udp.in_datagrams),
          u(st.udp.no_ports), u(st.udp.in_errors), u(st.udp.out_datagrams), u(st.udp.rcvbuf_errors),
          u(st.udp.sndbuf_errors), u(st.udp.in_csum_errors));
    return o.len;
}

}  // namespace net
