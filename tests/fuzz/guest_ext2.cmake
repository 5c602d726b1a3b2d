# fuzz_guest_ext2: the guest kernel's ext2 (guest/fs/ext2) mounting mutated images from memory,
# compiled against the guest_fs unit tests' host shims. Included by tests/fuzz/CMakeLists.txt.
set(GUEST_EXT2_FUZZ_SOURCES
  ${CMAKE_SOURCE_DIR}/guest/fs/inode.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/page_array.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_alloc.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_bmap.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_cache.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_dir.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_file.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_file_pages.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_readahead.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_inode.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_namei.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_reclaim.cpp
  ${CMAKE_SOURCE_DIR}/guest/fs/ext2/ext2_super.cpp)
domus_fuzz_target(fuzz_guest_ext2
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_guest_ext2.cpp ${GUEST_EXT2_FUZZ_SOURCES}
          ${CMAKE_SOURCE_DIR}/tests/unit/guest_fs/host_shims.cpp)
target_include_directories(fuzz_guest_ext2 BEFORE PRIVATE
  ${CMAKE_SOURCE_DIR}/tests/unit/guest_fs/shim ${CMAKE_SOURCE_DIR}/guest
  ${CMAKE_SOURCE_DIR}/tests/unit/guest_fs)

# Seeds: small images of a tree (a file spanning indirect blocks, a sparse file, both kinds of
# symlinks, a hard link, a FIFO, nested and larger directories) made by mke2fs -d at configure
# time with 1, 2 and 4 KiB blocks, revisions 1 and 0. The first byte of an input (in the boot
# block: 0 in the seeds) chooses whether the run also writes.
find_program(GUEST_MKE2FS mke2fs PATHS /sbin /usr/sbin)
set(guest_ext2_corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz_guest_ext2_corpus)
if(GUEST_MKE2FS AND NOT EXISTS ${guest_ext2_corpus}/tree-1k)
  set(tree ${CMAKE_CURRENT_BINARY_DIR}/fuzz_guest_ext2_tree)
  file(REMOVE_RECURSE ${tree})
  file(MAKE_DIRECTORY ${tree}/etc ${tree}/dir/sub)
  file(WRITE ${tree}/etc/hostname "domus\n")
  string(REPEAT "0123456789abcdef" 1100 big)
  file(WRITE ${tree}/big "${big}")
  foreach(i RANGE 30)
    file(WRITE ${tree}/dir/entry-${i} "${i}")
  endforeach()
  file(CREATE_LINK hostname ${tree}/etc/fast SYMBOLIC)
  string(REPEAT "long/" 20 slow)
  file(CREATE_LINK ${slow} ${tree}/etc/slow SYMBOLIC)
  file(CREATE_LINK ${tree}/etc/hostname ${tree}/dir/sub/hard)
  execute_process(COMMAND truncate -s 200000 ${tree}/sparse)
  execute_process(COMMAND mkfifo ${tree}/fifo)
  foreach(variant "1k;160k;-b;1024" "2k;160k;-b;2048" "4k;256k;-b;4096"
                  "1k-rev0;160k;-b;1024;-r;0")
    list(GET variant 0 name)
    list(GET variant 1 size)
    list(SUBLIST variant 2 -1 options)
    execute_process(
      COMMAND ${GUEST_MKE2FS} -q -F -t ext2 ${options} -N 64 -d ${tree}
              ${guest_ext2_corpus}/tree-${name} ${size}
      RESULT_VARIABLE result OUTPUT_QUIET ERROR_QUIET)
    if(NOT result EQUAL 0)
      file(REMOVE ${guest_ext2_corpus}/tree-${name})
    endif()
  endforeach()
  file(REMOVE_RECURSE ${tree})
endif()
