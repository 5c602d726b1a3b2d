// Block-device nodes: the open hook for S_IFBLK inodes (dev/block_file.cpp) and fsync on them.
#pragma once

namespace fs {
struct File;
}

namespace dev {

// Installs the hook that opens block-device nodes.
int register_block_nodes();
// fsync/fdatasync of an open block device: the device's cache flush (0 or -errno); 1 when
// `file` is not a block device.
int flush_block_file(fs::File* file);
// sync(2)'s part: flushes every block device (the first error, or 0).
int flush_all_block_devices();

}  // namespace dev
