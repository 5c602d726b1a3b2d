# fuzz_guest_elf: the guest kernel's ELF parser for exec (guest/proc/elf) on arbitrary bytes.
# The freestanding source is compiled against the guest_fs unit tests' shims (kernel/string.hpp
# from the host's <string.h>). Included by tests/fuzz/CMakeLists.txt.
domus_fuzz_target(fuzz_guest_elf
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_guest_elf.cpp ${CMAKE_SOURCE_DIR}/guest/proc/elf.cpp)
target_include_directories(fuzz_guest_elf BEFORE PRIVATE
  ${CMAKE_SOURCE_DIR}/tests/unit/guest_fs/shim ${CMAKE_SOURCE_DIR}/guest
  ${CMAKE_SOURCE_DIR}/tests/unit/guest_proc)

# Seed corpus: small valid programs written by a generator that shares the unit tests' UserElf
# (tests/unit/guest_proc/user_elf.hpp); building fuzz_guest_elf (re)writes them.
add_executable(guest_elf_seed_gen ${CMAKE_CURRENT_SOURCE_DIR}/guest_elf_seed_gen.cpp)
target_include_directories(guest_elf_seed_gen PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit/guest_proc)
target_compile_options(guest_elf_seed_gen PRIVATE -Wall -Wextra -Werror)
set(guest_elf_seed_stamp ${CMAKE_CURRENT_BINARY_DIR}/fuzz_guest_elf_seeds.stamp)
add_custom_command(
  OUTPUT ${guest_elf_seed_stamp}
  COMMAND guest_elf_seed_gen ${CMAKE_CURRENT_BINARY_DIR}/fuzz_guest_elf_corpus
  COMMAND ${CMAKE_COMMAND} -E touch ${guest_elf_seed_stamp}
  DEPENDS guest_elf_seed_gen
  COMMENT "Writing fuzz_guest_elf seed corpus")
add_custom_target(fuzz_guest_elf_seeds DEPENDS ${guest_elf_seed_stamp})
add_dependencies(fuzz_guest_elf fuzz_guest_elf_seeds)

# And one real program: a small C program linked by musl-gcc -static (about 25 KiB), once at
# configure time (skipped without musl-gcc).
find_program(GUEST_ELF_MUSL_GCC musl-gcc)
set(guest_elf_musl_seed ${CMAKE_CURRENT_BINARY_DIR}/fuzz_guest_elf_corpus/seed_musl_static.elf)
if(GUEST_ELF_MUSL_GCC AND NOT EXISTS ${guest_elf_musl_seed})
  execute_process(
    COMMAND ${GUEST_ELF_MUSL_GCC} -Os -static -o ${guest_elf_musl_seed}
            ${CMAKE_SOURCE_DIR}/tests/unit/guest_proc/programs/hello.c
    RESULT_VARIABLE guest_elf_musl_result OUTPUT_QUIET ERROR_QUIET)
endif()
