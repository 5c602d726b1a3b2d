// The network at boot: the virtio-net interfaces, the stack's timer on the scheduler's kernel
// timer, and the static configuration from `ip=` (Linux's form; net/ip_config.hpp).
#pragma once

namespace kernel_net {

// After sched::init, before init runs. `ip` is the ip= value (nullptr: none given). A bad
// ip= is reported on the console and leaves the interfaces unconfigured (lo still works).
void network_init(const char* ip);

}  // namespace kernel_net
