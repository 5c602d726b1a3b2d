// Text of /proc/net/tcp, /proc/net/udp, /proc/net/dev and /proc/net/snmp in Linux's formats
// (what busybox netstat and ifconfig read), from a stack's sockets and counters. Pure
// generators: the procfs file is the integration's. Each writes at most `cap` bytes (always
// NUL-terminated when cap > 0) and returns the length written.
#pragma once

#include <stddef.h>

namespace net {

class Stack;

size_t proc_net_tcp(Stack& s, char* buf, size_t cap);
size_t proc_net_udp(Stack& s, char* buf, size_t cap);
size_t proc_net_dev(Stack& s, char* buf, size_t cap);
size_t proc_net_snmp(Stack& s, char* buf, size_t cap);

}  // namespace net
