# fuzz_elf_loader: parse_elf + load_elf on arbitrary bytes. Included by tests/fuzz/CMakeLists.txt.
domus_fuzz_target(fuzz_elf_loader
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_elf_loader.cpp
          ${CMAKE_SOURCE_DIR}/src/boot/elf_loader.cpp
          ${CMAKE_SOURCE_DIR}/src/memory/guest_memory.cpp)

# Seed corpus: valid images written by a small generator that shares the unit tests' ElfBuilder.
# Building fuzz_elf_loader (re)writes them into its corpus directory.
add_executable(elf_seed_gen ${CMAKE_CURRENT_SOURCE_DIR}/elf_seed_gen.cpp)
target_include_directories(elf_seed_gen PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit/boot)
target_compile_options(elf_seed_gen PRIVATE -Wall -Wextra -Werror)
set(elf_seed_stamp ${CMAKE_CURRENT_BINARY_DIR}/fuzz_elf_loader_seeds.stamp)
add_custom_command(
  OUTPUT ${elf_seed_stamp}
  COMMAND elf_seed_gen ${CMAKE_CURRENT_BINARY_DIR}/fuzz_elf_loader_corpus
  COMMAND ${CMAKE_COMMAND} -E touch ${elf_seed_stamp}
  DEPENDS elf_seed_gen
  COMMENT "Writing fuzz_elf_loader seed corpus")
add_custom_target(fuzz_elf_loader_seeds DEPENDS ${elf_seed_stamp})
add_dependencies(fuzz_elf_loader fuzz_elf_loader_seeds)
