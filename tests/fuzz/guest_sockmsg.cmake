# fuzz_guest_sockmsg: the guest socket layer's decoding of what programs pass to sendmsg and
# recvmsg (guest/sock/msg_parse: msghdr, iovecs, control messages, AF_UNIX addresses, the
# recvmsg control writer) on arbitrary bytes, with the invariants checked after each call.
# Compiled against the guest_fs unit tests' shims. Included by tests/fuzz/CMakeLists.txt.
domus_fuzz_target(fuzz_guest_sockmsg
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_guest_sockmsg.cpp
          ${CMAKE_SOURCE_DIR}/guest/sock/msg_parse.cpp)
target_include_directories(fuzz_guest_sockmsg BEFORE PRIVATE
  ${CMAKE_SOURCE_DIR}/tests/unit/guest_fs/shim ${CMAKE_SOURCE_DIR}/guest)

domus_fuzz_seed(fuzz_guest_sockmsg empty "")
# The first byte selects the decoder (byte % 5: '0' addresses, '1' the control writer, '2'
# msghdrs, '3' iovecs, '4' control messages); the fuzzer finds the binary layouts from here.
domus_fuzz_seed(fuzz_guest_sockmsg address "0AA/tmp/socket")
domus_fuzz_seed(fuzz_guest_sockmsg writer "1@abcdefghijklmnop")
domus_fuzz_seed(fuzz_guest_sockmsg msghdr "2xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
domus_fuzz_seed(fuzz_guest_sockmsg iovecs "3aaaaaaaabbbbbbbbccccccccdddddddd")
domus_fuzz_seed(fuzz_guest_sockmsg control "4 aaaaaaabbbbccccdddd")
