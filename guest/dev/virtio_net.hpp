// virtio-net front end: each virtio-net device the boot-info page announces becomes a network
// interface (eth0, eth1, ... in the monitor's order) registered with the network stack
// (net/netdev.hpp). Receive buffers of 68 KiB each (a 64 KiB TSO aggregate and its header)
// are carved from one physically contiguous block and stay posted; the device's interrupt
// hands filled ones to the stack and posts them again. Transmit copies each frame into a slot
// of another block (the stack keeps its buffers), publishes it and rings the doorbell; the
// slots come back on the next transmit, or through the interrupt when the stack was told to
// wait (-EAGAIN, then net::tx_space). Checksum and TCP segmentation offload are negotiated
// both ways when the device offers them.
#pragma once

#include <stdint.h>

namespace dev {

// Probes every virtio-net device at boot; returns how many interfaces were registered. A
// device that does not behave is reported on the console and skipped.
int probe_virtio_net();

// Waits until every interface's device has taken the frames handed to it, at most
// `timeout_ns` in all: before the domain powers off, so that what a program sent just before
// it ended (a last reply, a FIN) leaves the domain instead of dying in the transmit ring.
void drain_virtio_net(uint64_t timeout_ns);

}  // namespace dev
