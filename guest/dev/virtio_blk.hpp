// virtio-blk front end: each disk the boot-info page announces becomes a block device (vda,
// vdb, ... in the order the monitor gives them, Linux's virtblk major 254 with 16 minors per
// disk) registered with blk:: for the file systems and the /dev nodes. Transfers are
// synchronous (dev/block.hpp): a large one is split into requests of at most 256 KiB that are
// all in flight at once, then the caller polls for their completions. Asynchronous writes
// return once queued; any later request touching their sectors waits for them.
#pragma once

#include <stdint.h>

namespace dev {

// Probes every virtio-blk device at boot; returns how many disks were registered. A device
// that does not behave is reported on the console and skipped.
int probe_virtio_blk();

}  // namespace dev
