// Character devices of the guest kernel and the /dev they live in.
#pragma once

namespace dev {

int register_mem_devices();  // 1:3 null, 1:5 zero, 1:7 full, 1:8 random, 1:9 urandom
int register_console();      // 5:1 console, 5:0 tty (the console as controlling tty)

// Creates /dev (and /proc, /tmp, /dev/pts? no) and the device nodes that are missing.
int populate_dev();

}  // namespace dev
