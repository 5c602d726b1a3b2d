# Hypercall decoding and dispatch against a 1 MiB guest, plus a UART/port-bus register script.
domus_fuzz_target(fuzz_hypercall
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_hypercall.cpp
          ${CMAKE_SOURCE_DIR}/src/devices/hypercall.cpp
          ${CMAKE_SOURCE_DIR}/src/devices/io_bus.cpp
          ${CMAKE_SOURCE_DIR}/src/devices/uart16550.cpp
          ${CMAKE_SOURCE_DIR}/src/memory/guest_memory.cpp)
