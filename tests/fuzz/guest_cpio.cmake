# fuzz_guest_cpio: the guest kernel's cpio reader and unpacker (guest/fs) on arbitrary bytes,
# unpacked into a fresh ramfs each run. The freestanding sources are compiled against the host
# shims of the guest_fs unit tests (tests/unit/guest_fs/shim, host_shims.cpp). Included by
# tests/fuzz/CMakeLists.txt.
set(GUEST_FS_FUZZ_SOURCES
  ${CMAKE_SOURCE_DIR}/guest/fs/inode.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/page_array.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ramfs_dir.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ramfs.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ramfs_file.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/file.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/file_ops.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/special.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/mount.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/path.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/vfs_open.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/vfs_namespace.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/vfs_rename.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/vfs_attr.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/vfs_cwd.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/cpio_parse.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/cpio_unpack.cpp)
domus_fuzz_target(fuzz_guest_cpio
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_guest_cpio.cpp ${GUEST_FS_FUZZ_SOURCES}
          ${CMAKE_SOURCE_DIR}/tests/unit/guest_fs/host_shims.cpp)
target_include_directories(fuzz_guest_cpio BEFORE PRIVATE
  ${CMAKE_SOURCE_DIR}/tests/unit/guest_fs/shim ${CMAKE_SOURCE_DIR}/guest
  ${CMAKE_SOURCE_DIR}/tests/unit/guest_fs)

# Seeds: archives of a small tree (a directory, files, a symlink, a hard link) made by the
# real cpio in both newc flavours, once at configure time (skipped without cpio).
find_program(GUEST_CPIO_TOOL cpio)
set(guest_cpio_corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz_guest_cpio_corpus)
if(GUEST_CPIO_TOOL AND NOT EXISTS ${guest_cpio_corpus}/tree-newc)
  set(tree ${CMAKE_CURRENT_BINARY_DIR}/fuzz_guest_cpio_tree)
  file(REMOVE_RECURSE ${tree})
  file(MAKE_DIRECTORY ${tree}/bin ${tree}/etc)
  file(WRITE ${tree}/init "#!/bin/sh\nexec /bin/sh\n")
  file(WRITE ${tree}/etc/hostname "domus\n")
  file(CREATE_LINK init ${tree}/bin/sh SYMBOLIC)
  file(CREATE_LINK ${tree}/etc/hostname ${tree}/etc/name)
  foreach(format newc crc)
    execute_process(
      COMMAND sh -c "find . | '${GUEST_CPIO_TOOL}' -o -H ${format} --quiet > '${guest_cpio_corpus}/tree-${format}'"
      WORKING_DIRECTORY ${tree})
  endforeach()
  file(REMOVE_RECURSE ${tree})
endif()
# And one with whole pages of file data (a hard-linked pair among them), which the fuzzer's
# aligned pass lets the unpacker take over instead of copying.
if(GUEST_CPIO_TOOL AND NOT EXISTS ${guest_cpio_corpus}/pages-newc)
  set(tree ${CMAKE_CURRENT_BINARY_DIR}/fuzz_guest_cpio_pages)
  file(REMOVE_RECURSE ${tree})
  file(MAKE_DIRECTORY ${tree}/bin)
  string(REPEAT "B" 9000 big)
  string(REPEAT "P" 4096 page)
  file(WRITE ${tree}/bin/big "${big}")
  file(WRITE ${tree}/page "${page}")
  file(CREATE_LINK ${tree}/bin/big ${tree}/bin/big2)
  foreach(format newc crc)
    execute_process(
      COMMAND sh -c "find . | '${GUEST_CPIO_TOOL}' -o -H ${format} --quiet > '${guest_cpio_corpus}/pages-${format}'"
      WORKING_DIRECTORY ${tree})
  endforeach()
  file(REMOVE_RECURSE ${tree})
endif()
