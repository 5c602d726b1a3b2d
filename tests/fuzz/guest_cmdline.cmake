# fuzz_guest_cmdline: the guest kernel's init command line parser (guest/kernel/init_cmdline)
# on arbitrary bytes, compared with a model of its rules. Compiled against the guest_fs unit
# tests' shims (kernel/string.hpp from the host's <string.h>). Included by
# tests/fuzz/CMakeLists.txt.
domus_fuzz_target(fuzz_guest_cmdline
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_guest_cmdline.cpp
          ${CMAKE_SOURCE_DIR}/guest/kernel/init_cmdline.cpp)
target_include_directories(fuzz_guest_cmdline BEFORE PRIVATE
  ${CMAKE_SOURCE_DIR}/tests/unit/guest_fs/shim ${CMAKE_SOURCE_DIR}/guest)

domus_fuzz_seed(fuzz_guest_cmdline empty "")
domus_fuzz_seed(fuzz_guest_cmdline shell "init=/bin/sh -- -c 'echo hi'")
domus_fuzz_seed(fuzz_guest_cmdline rdinit "rdinit=/sbin/init console=ttyS0 loglevel=7 quiet single bench_floor=1")
domus_fuzz_seed(fuzz_guest_cmdline env "HOME=/root TERM=vt100 LANG=C.UTF-8 init=/init -- A=b")
domus_fuzz_seed(fuzz_guest_cmdline quotes "init=\"/bin/my prog\" 'MSG=hello world' -- a\"b c\"d '' \"it's\"")
domus_fuzz_seed(fuzz_guest_cmdline blanks " \t\n init=/x\t--\n-- --")
domus_fuzz_seed(fuzz_guest_cmdline unterminated "init=/bin/sh -- -c 'echo")
# At the limits: 32 environment words and 64 arguments (one more of either is refused).
string(REPEAT " E=v" 32 guest_cmdline_env)
string(REPEAT " a" 64 guest_cmdline_args)
domus_fuzz_seed(fuzz_guest_cmdline limits "init=/bin/sh${guest_cmdline_env} --${guest_cmdline_args}")
