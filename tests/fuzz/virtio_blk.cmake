# virtio-blk request decoding on chains and guest memory made from the input.
domus_fuzz_target(fuzz_virtio_blk_request
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_virtio_blk_request.cpp
          ${CMAKE_SOURCE_DIR}/src/devices/virtio_blk_request.cpp
          ${CMAKE_SOURCE_DIR}/src/memory/guest_memory.cpp)
