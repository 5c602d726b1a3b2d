# The device side of a split virtqueue on a guest memory image taken from the input: layouts,
# chains and the used ring as a hostile driver would write them.
domus_fuzz_target(fuzz_virtqueue
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_virtqueue.cpp
          ${CMAKE_SOURCE_DIR}/src/virtio/split_queue.cpp
          ${CMAKE_SOURCE_DIR}/src/memory/guest_memory.cpp)
