# The virtio-net back end driven by a hostile driver: rings, descriptor tables, headers and
# frames from the input, against a real TAP device in a private network namespace.
domus_fuzz_target(fuzz_virtio_net
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_virtio_net.cpp
          ${CMAKE_SOURCE_DIR}/src/devices/virtio_net.cpp
          ${CMAKE_SOURCE_DIR}/src/devices/virtio_net_hdr.cpp
          ${CMAKE_SOURCE_DIR}/src/devices/tap.cpp
          ${CMAKE_SOURCE_DIR}/src/devices/rate_limiter.cpp
          ${CMAKE_SOURCE_DIR}/src/virtio/mmio_transport.cpp
          ${CMAKE_SOURCE_DIR}/src/virtio/split_queue.cpp
          ${CMAKE_SOURCE_DIR}/src/memory/guest_memory.cpp)
