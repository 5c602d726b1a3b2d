// Booting a program: when the domain has a ramdisk, the kernel unpacks it into the root file
// system; with root= and no ramdisk it mounts that disk as "/" (a ramfs on its /dev holds the
// device nodes). Then it creates the device nodes, starts the scheduler on every vCPU and runs
// init (kernel/init_cmdline.hpp) as pid 1. The domain powers off when init ends, with its
// status (DOMUS_SHUTDOWN_EXIT).
#pragma once

#include "domus/abi/boot_info.h"

// Whether the domain boots a program: a ramdisk, or root= on the command line (before "--").
bool boot_runs_program(const domus_boot_info* info, const char* cmdline);

[[noreturn]] void run_userspace();
