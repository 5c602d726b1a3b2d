# fuzz_jail: the monitor user's text (src/vmm/jail_user.cpp) and the seccomp violation record
# (src/vmm/seccomp_policy.cpp) checked by the exit file parser (src/vmm/exit_file.cpp).
# Included by tests/fuzz/CMakeLists.txt.
find_package(Boost 1.81 REQUIRED)
domus_fuzz_target(fuzz_jail
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_jail.cpp
          ${CMAKE_SOURCE_DIR}/src/vmm/jail_user.cpp
          ${CMAKE_SOURCE_DIR}/src/vmm/seccomp_policy.cpp
          ${CMAKE_SOURCE_DIR}/src/vmm/exit_file.cpp)
target_link_libraries(fuzz_jail PRIVATE Boost::headers)

domus_fuzz_seed(fuzz_jail uidgid "65534:65534")
domus_fuzz_seed(fuzz_jail passwd [=[nobody
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
]=])
domus_fuzz_seed(fuzz_jail name "xxxxxxxxexecve")
domus_fuzz_seed(fuzz_jail range [=[65000-66000
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
nogroup:x:65534:
]=])
