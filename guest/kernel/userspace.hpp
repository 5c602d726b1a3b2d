// Booting a program: when the domain has a ramdisk, the kernel unpacks it into the root file
// system, creates /dev, starts the scheduler on every vCPU and runs init (kernel/init_cmdline.hpp)
// as pid 1. The domain powers off when init ends, with its status (DOMUS_SHUTDOWN_EXIT).
#pragma once

[[noreturn]] void run_userspace();
