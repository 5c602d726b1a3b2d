// The kernel command line when the domain boots a program (it has a ramdisk), with Linux's
// meaning: `init=PATH` (or `rdinit=PATH`, which wins when both are given) names the first
// program (default /init); words after `--` are its arguments; other words the kernel does not
// know go to init too (as Linux does): `name=value` ones into its environment (replacing an
// earlier one of the same name), the rest into its arguments. Unlike Linux, a word may
// be quoted with '...' or "..." to hold spaces (`init=/bin/sh -- -c 'echo hi'`).
// Known kernel words: init=, rdinit=, console=, quiet, loglevel=, bench_floor=1 (enables the
// unsafe floor-measuring system call, arch/layout.h: benchmarks only), and the root file
// system's: root=DEVICE (/dev/vda, or vda), rootfstype=TYPE, ro and rw (the last one wins;
// read-only when neither is given, as on Linux), rootwait and rootdelay= (accepted, nothing to
// wait for), and the network's: ip=... (Linux's static configuration, handed to the network
// stack; see net/ip_config.hpp). Without a ramdisk and with root=, init is init= or else the first
// of /sbin/init, /etc/init, /bin/init, /bin/sh that exists (`init_given` tells); with a ramdisk,
// root= is left to its /init, as Linux leaves it to an initramfs. Module parameters (a dot in the
// name: `virtio_mmio.device=...`, which the monitor adds) go to nobody, as on Linux.
//
// Pure (unit-tested and fuzzed on the host): the result points into `storage`.
#pragma once

#include <stddef.h>
#include <stdint.h>

inline constexpr size_t kInitMaxArgs = 64;
inline constexpr size_t kInitMaxEnv = 32;

struct InitCommand {
    const char* path;
    const char* argv[kInitMaxArgs + 2];  // argv[0] = path, NULL-terminated
    const char* envp[kInitMaxEnv + 3];   // HOME=/ TERM=linux first, NULL-terminated
    uint32_t argc, envc;
    bool quiet;
    bool bench_floor;
    bool init_given;         // init= or rdinit= was on the line
    const char* root;        // root=: nullptr when not given
    const char* rootfstype;  // rootfstype=: nullptr when not given
    bool root_rw;            // rw (after any ro); false: read-only
    const char* ip;          // ip=: nullptr when not given (the last one wins)
};

// `storage` must hold at least strlen(cmdline) + 1 bytes. Returns nullptr on success, else a
// message naming the problem (an unterminated quote, too many arguments, an empty init= or
// root=).
const char* parse_init_cmdline(const char* cmdline, char* storage, size_t storage_size,
                               InitCommand* out);
