# fuzz_guest_net: the guest kernel's network stack (guest/net) fed arbitrary frames and
# sequences of frames with time advancing, against a listener and an established connection,
# compiled against the guest_net unit tests' host shims and simulated link. Included by
# tests/fuzz/CMakeLists.txt.
set(GUEST_NET_FUZZ_SOURCES)
foreach(f arp checksum ether icmp ip_config ipv4 net_proc pktbuf ring stack stack_kernel
          tcp_conn tcp_input tcp_output tcp_parse tcp_socket tcp_timer udp raw)
  list(APPEND GUEST_NET_FUZZ_SOURCES ${CMAKE_SOURCE_DIR}/guest/net/${f}.cpp)
endforeach()
domus_fuzz_target(fuzz_guest_net
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_guest_net.cpp ${GUEST_NET_FUZZ_SOURCES}
          ${CMAKE_SOURCE_DIR}/guest/kernel/format.cpp
          ${CMAKE_SOURCE_DIR}/tests/unit/guest_net/host_shims.cpp
          ${CMAKE_SOURCE_DIR}/tests/unit/guest_net/sim.cpp)
target_include_directories(fuzz_guest_net BEFORE PRIVATE
  ${CMAKE_SOURCE_DIR}/tests/unit/guest_net/shim ${CMAKE_SOURCE_DIR}/guest
  ${CMAKE_SOURCE_DIR}/tests/unit/guest_net)
domus_fuzz_seed(fuzz_guest_net empty "")
domus_fuzz_seed(fuzz_guest_net text "0000ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
