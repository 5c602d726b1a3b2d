# fuzz_program_elf: the static-program check of `domus run --exec` (src/boot/program_elf.cpp)
# on arbitrary bytes. fuzz_exec_cmdline: the command line --exec writes, read back by the guest
# kernel's parser (guest/kernel/init_cmdline.cpp, against the guest_fs shims); its input is cut at 0x01 bytes. Included by
# tests/fuzz/CMakeLists.txt.
domus_fuzz_target(fuzz_program_elf
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_program_elf.cpp
          ${CMAKE_SOURCE_DIR}/src/boot/program_elf.cpp
          ${CMAKE_SOURCE_DIR}/src/boot/cpio.cpp)
domus_fuzz_seed(fuzz_program_elf empty "")
domus_fuzz_seed(fuzz_program_elf script "#!/bin/sh\necho hi\n")
string(ASCII 127 2 1 1 elf_ident)  # 7f then ELFCLASS64, little-endian, version 1
string(SUBSTRING "${elf_ident}" 0 1 elf_del)
string(SUBSTRING "${elf_ident}" 1 3 elf_rest)
domus_fuzz_seed(fuzz_program_elf elf_magic "${elf_del}ELF${elf_rest}")
# Real programs as seeds: the host's static busybox and a dynamic one, when present.
foreach(prog /bin/busybox /bin/true)
  if(EXISTS ${prog})
    get_filename_component(seed ${prog} NAME)
    file(COPY_FILE ${prog} ${CMAKE_CURRENT_BINARY_DIR}/fuzz_program_elf_corpus/${seed}
         ONLY_IF_DIFFERENT)
  endif()
endforeach()

domus_fuzz_target(fuzz_exec_cmdline
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_exec_cmdline.cpp
          ${CMAKE_SOURCE_DIR}/src/boot/exec_cmdline.cpp
          ${CMAKE_SOURCE_DIR}/src/boot/cpio.cpp
          ${CMAKE_SOURCE_DIR}/guest/kernel/init_cmdline.cpp)
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/fuzz_exec_cmdline.cpp
                            ${CMAKE_SOURCE_DIR}/guest/kernel/init_cmdline.cpp
  PROPERTIES INCLUDE_DIRECTORIES
  "${CMAKE_SOURCE_DIR}/tests/unit/guest_fs/shim;${CMAKE_SOURCE_DIR}/guest")
string(ASCII 1 sep)  # the target's separator (CMake strings cannot hold a NUL)
domus_fuzz_seed(fuzz_exec_cmdline plain "quiet${sep}/bin/hello${sep}a${sep}b c")
domus_fuzz_seed(fuzz_exec_cmdline quotes "X='y z'${sep}/bin/my prog${sep}it's${sep}\"${sep}''\"\"${sep}")
