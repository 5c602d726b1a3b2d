# fuzz_cpio: the initramfs path (newc cpio parser, gzip with a cap, decode_initramfs) on
# arbitrary bytes. Included by tests/fuzz/CMakeLists.txt.
find_package(ZLIB REQUIRED)
domus_fuzz_target(fuzz_cpio
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_cpio.cpp
          ${CMAKE_SOURCE_DIR}/src/boot/cpio.cpp
          ${CMAKE_SOURCE_DIR}/src/boot/gunzip.cpp
          ${CMAKE_SOURCE_DIR}/src/boot/initramfs.cpp
          ${CMAKE_SOURCE_DIR}/src/boot/elf_loader.cpp
          ${CMAKE_SOURCE_DIR}/src/boot/file_read.cpp  # read_file
          ${CMAKE_SOURCE_DIR}/src/memory/guest_memory.cpp)
target_link_libraries(fuzz_cpio PRIVATE ZLIB::ZLIB)

# Seed corpus: archives of every entry type, the crc format, concatenated archives, and gzip'd
# ones, written by a small generator that shares the unit tests' cpio_builder.hpp.
add_executable(cpio_seed_gen ${CMAKE_CURRENT_SOURCE_DIR}/cpio_seed_gen.cpp)
target_include_directories(cpio_seed_gen PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit/boot)
target_compile_options(cpio_seed_gen PRIVATE -Wall -Wextra -Werror)
target_link_libraries(cpio_seed_gen PRIVATE ZLIB::ZLIB)
set(cpio_seed_stamp ${CMAKE_CURRENT_BINARY_DIR}/fuzz_cpio_seeds.stamp)
add_custom_command(
  OUTPUT ${cpio_seed_stamp}
  COMMAND cpio_seed_gen ${CMAKE_CURRENT_BINARY_DIR}/fuzz_cpio_corpus
  COMMAND ${CMAKE_COMMAND} -E touch ${cpio_seed_stamp}
  DEPENDS cpio_seed_gen
  COMMENT "Writing fuzz_cpio seed corpus")
add_custom_target(fuzz_cpio_seeds DEPENDS ${cpio_seed_stamp})
add_dependencies(fuzz_cpio fuzz_cpio_seeds)

# Dictionary for manual runs (`fuzz_cpio -dict=fuzz_cpio.dict ...`).
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/fuzz_cpio.dict
     "\"070701\"\n\"070702\"\n\"TRAILER!!!\"\n\"00000000\"\n\"FFFFFFFF\"\n\"000041ED\"\n"
     "\"000081A4\"\n\"0000A1FF\"\n\"\\x1f\\x8b\\x08\\x00\"\n\"../\"\n\"./\"\n")
