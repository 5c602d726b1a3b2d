// Counters behind /proc/net/snmp (Linux's field names) and /proc/net/dev.
#pragma once

#include <stdint.h>

namespace net {

struct IpStats {
    uint64_t in_receives, in_hdr_errors, in_addr_errors, in_unknown_protos, in_discards,
        in_delivers, out_requests, out_discards, out_no_routes, reasm_reqds, reasm_fails;
};
struct IcmpStats {
    uint64_t in_msgs, in_errors, in_csum_errors, in_dest_unreachs, in_echos, in_echo_reps, out_msgs,
        out_dest_unreachs, out_echos, out_echo_reps;
};
struct TcpStats {
    uint64_t active_opens, passive_opens, attempt_fails, estab_resets, in_segs, out_segs,
        retrans_segs, in_errs, out_rsts, in_csum_errors;
    // Beyond /proc/net/snmp (netstat -s style), for tests and TcpExt.
    uint64_t listen_overflows, listen_drops, syn_queue_drops, fast_retransmits, timeouts,
        challenge_acks, persist_probes, keepalive_probes, delayed_acks, ooo_segments, tso_segments;
};
struct UdpStats {
    uint64_t in_datagrams, no_ports, in_errors, out_datagrams, rcvbuf_errors, sndbuf_errors,
        in_csum_errors;
};
struct ArpStats {
    uint64_t requests_in, replies_in, requests_out, replies_out, queue_drops, failed;
};

struct Stats {
    IpStats ip;
    IcmpStats icmp;
    TcpStats tcp;
    UdpStats udp;
    ArpStats arp;
};

}  // namespace net
