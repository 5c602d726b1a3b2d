// Character devices of the guest kernel and the /dev they live in.
#pragma once

namespace dev {

int register_mem_devices();  // 1:3 null, 1:5 zero, 1:7 full, 1:8 random, 1:9 urandom
int register_console();      // 5:1 console, 5:0 tty (the console as controlling tty)

// Creates the device nodes that are missing (and the directories, see below).
// `make_dirs`: also /dev, /proc and /tmp on the root (a ramdisk root; a disk's root is the
// customer's and gets a ramfs on /dev instead).
int populate_dev(bool make_dirs);

}  // namespace dev
