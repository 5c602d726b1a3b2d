// `domus run --exec PROGRAM [ARGS...]`: the initramfs made on the fly around one static program,
// and the kernel command line that runs it as init with ARGS.
//
// The archive holds /bin/<program's base name> (mode 0755; the guest's init), the empty
// directories /dev, /proc and /tmp, with `with_busybox` the host's static busybox as
// /bin/busybox and a symlink /bin/<applet> -> busybox for each applet it lists, and with
// `overlay` the tree of that host directory at / (regular files, directories, symlinks: a
// device, FIFO or socket in it is refused by name). Later sources win over earlier ones
// (busybox, then the overlay, then the program), but a directory is never replaced by a
// non-directory nor the reverse. Every entry is owned by root (0:0) with mtime 0 and the host
// file's permission bits (without set-id bits). Every file is inspected as it is read: the
// program must be a static x86-64 executable (boot/program_elf.hpp), busybox too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus {

struct ExecSpec {
    std::string program;            // host path of the static executable; empty: no --exec
    std::vector<std::string> args;  // its arguments (argv[1..])
    bool with_busybox = false;      // pack `busybox` and its applet links under /bin
    std::string busybox = "/bin/busybox";
    std::string overlay;  // a host directory added at / (empty: none)
    bool empty() const { return program.empty(); }
    bool operator==(const ExecSpec&) const = default;
};

inline constexpr size_t kExecMaxArgs = 64;  // the guest kernel's limit for init
inline constexpr size_t kExecMaxOverlayEntries = 65536;
inline constexpr size_t kExecMaxOverlayDepth = 64;

struct ExecImage {
    Fd archive;         // a memfd holding the uncompressed newc cpio from offset 0
    uint64_t size = 0;  // its bytes
    std::string init;   // where the program is in it: "/bin/NAME"
};

// Reads the program (and busybox and the overlay when asked) and packs the archive into a
// memfd (file data goes from file to memfd in the kernel: no temporary file, no copy through
// this process for files of 16 KiB and more); at most
// `max_bytes` of archive ("<max_bytes> bytes (<limit_name>)" in the message). Every message
// names the host file at fault.
Result<ExecImage> build_exec_image(const ExecSpec& spec, uint64_t max_bytes,
                                   std::string_view limit_name);

// Pure: `word` quoted for the guest's command line so that it reaches init as exactly one
// argument (guest/kernel/init_cmdline.hpp: '...' and "..." group, no escapes; a word holding
// both quote characters is cut into segments quoted by the other one).
std::string quote_cmdline_word(std::string_view word);

// Pure: the guest command line that runs `init` with `args` after the user's `cmdline` (kernel
// words and NAME=value environment words): "<cmdline> init=<init> -- <args quoted>". Refused
// with a message naming the value: a "--" word, init= or rdinit= in `cmdline` (--exec decides
// both), a word of `cmdline` without '=' other than the kernel's quiet, ro, rw and rootwait
// (the guest would make it one of init's arguments), an unterminated quote, more than
// kExecMaxArgs arguments, a NUL in an argument.
Result<std::string> exec_cmdline(std::string_view cmdline, std::string_view init,
                                 const std::vector<std::string>& args);

// Pure: the applet names of `busybox --list` output, one a line: names that are a single
// path component other than "busybox" itself (anything else is refused, naming the line).
Result<std::vector<std::string>> parse_busybox_applets(std::string_view list);

}  // namespace domus
