// The kernel's stack instance and the driver entry points of netdev.hpp.
#include "kernel/random.hpp"
#include "kernel/time.hpp"
#include "net/net.hpp"
#include "net/netdev.hpp"

namespace net {
namespace {

constinit Stack g_stack;

}  // namespace

Stack& default_stack() {
    if (!g_stack.initialised) stack_init(g_stack, time_monotonic_ns, random_bytes);
    return g_stack;
}

void receive(NetDevice* dev, const NetHdr& hdr, const uint8_t* frame, size_t len) {
    stack_receive(default_stack(), dev, hdr, frame, len);
}

void tx_space(NetDevice* dev) {
    stack_tx_space(default_stack(), dev);
}

bool register_device(NetDevice* dev) {
    return stack_register_device(default_stack(), dev);
}

void tick(uint64_t now_ns) {
    stack_tick(default_stack(), now_ns);
}

uint64_t next_deadline() {
    return stack_next_deadline(default_stack());
}

}  // namespace net
