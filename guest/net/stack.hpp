// The network stack's state: one object per stack, so that tests can run two stacks connected
// by a simulated link in one process. The kernel has one, `net::default_stack()`
// (stack_kernel.cpp), behind the driver entry points of netdev.hpp.
//
// Locking: one spinlock per stack (`lock`) taken by every entry point: net::receive,
// net::tx_space, tick, and each socket call. Held while the stack calls the device's transmit
// (netdev.hpp), the sockets' notify callbacks and the copy callbacks of send/recv. Lock order:
// net -> device queue -> poll wait queues -> scheduler, and net -> address space (user copies).
// The stack never calls the scheduler and never sleeps.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lock.hpp"
#include "net/arp.hpp"
#include "net/netdev.hpp"
#include "net/pktbuf.hpp"
#include "net/stats.hpp"
#include "net/types.hpp"

namespace net {

struct TcpSock;
struct UdpSock;
struct RawSock;

inline constexpr uint32_t kMaxIfaces = 8;
inline constexpr uint32_t kLoopbackQueueMax = 1024;  // frames waiting to be looped back
inline constexpr uint32_t kLoopbackDrainMax = 4096;  // frames processed per entry point

// One interface: a device and its IPv4 configuration (lo: 127.0.0.1/8).
struct Iface {
    NetDevice* dev;
    uint32_t addr;  // 0: not configured
    uint32_t mask;
    uint32_t gateway;  // 0: none
    bool up;
};

class Stack {
  public:
    constexpr Stack() = default;
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    SpinLock lock;
    // Injected services: the clock (monotonic ns) and random bytes (ISNs, ports).
    uint64_t (*clock)() = nullptr;
    void (*random)(void* out, size_t len) = nullptr;
    bool initialised = false;
    uint64_t now = 0;  // the clock at the current entry point
    // Called at the end of every entry point, with the lock held, with the earliest time tick
    // must run (UINT64_MAX: none): the kernel arms its timer with it. nullptr in tests, which
    // drive tick themselves. It must not call into the stack.
    void (*on_deadline)(uint64_t deadline_ns) = nullptr;

    NetDevice lo{};
    Iface ifaces[kMaxIfaces]{};
    uint32_t nifaces = 0;

    ArpCache arp{};
    PktQueue loopq{};
    bool draining = false;

    TcpSock* tcp_list = nullptr;  // every TCP socket the stack must find (see tcp.hpp)
    uint32_t tcp_count = 0;
    uint32_t time_wait_count = 0;
    UdpSock* udp_list = nullptr;
    RawSock* raw_list = nullptr;  // raw ICMP sockets (raw.hpp)

    uint16_t ip_id = 0;
    uint64_t isn_key[2] = {0, 0};
    uint32_t port_cursor = 0;
    bool tx_blocked = false;  // a device returned -EAGAIN: tcp output resumes on tx_space

    Stats stats{};
};

// Sets the clock and random source and creates lo. The kernel's stack does it on first use.
void stack_init(Stack& s, uint64_t (*clock)(), void (*random)(void*, size_t));
// Tears down every socket and queued frame (tests: nothing may leak). Sockets still held by a
// user handle are reset but not freed.
void stack_shutdown(Stack& s);

bool stack_register_device(Stack& s, NetDevice* dev);
// Assigns an address to a registered device by name (nullptr or "": the first non-lo device)
// and announces it with a gratuitous ARP. 0, -ENODEV, -EINVAL.
int stack_configure(Stack& s, const char* ifname, uint32_t addr, uint32_t mask, uint32_t gw);

void stack_receive(Stack& s, NetDevice* dev, const NetHdr& hdr, const uint8_t* frame, size_t len);
void stack_tx_space(Stack& s, NetDevice* dev);
void stack_tick(Stack& s, uint64_t now_ns);
// The earliest time tick must run (ns, the clock's base); UINT64_MAX when nothing is pending.
uint64_t stack_next_deadline(Stack& s);

// Every entry point: takes the lock, refreshes `now`; on release runs the loopback queue.
class StackGuard {
  public:
    explicit StackGuard(Stack& s);
    ~StackGuard();
    StackGuard(const StackGuard&) = delete;
    StackGuard& operator=(const StackGuard&) = delete;

  private:
    Stack& s_;
};

// Internal helpers shared by the protocol files (lock held).
Iface* iface_of(Stack& s, NetDevice* dev);
bool is_local_addr(Stack& s, uint32_t addr);
// The device transmit, counting: 0 or the device's error.
int link_transmit(Stack& s, Iface& ifc, const NetHdr& vh, const NetSeg* segs, uint32_t count);
void random_fill(Stack& s, void* out, size_t len);
uint32_t random_u32(Stack& s);

}  // namespace net
