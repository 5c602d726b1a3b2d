# Included by each benchmark's CMakeLists.txt (bench/CMakeLists.txt adds them in glob order, so
# this is not a directory of its own): the shared helper library and domus_bench().
include_guard(GLOBAL)

# Spawning a child with its wall time and peak RSS, medians, output fields.
add_library(domus_bench_common STATIC ${CMAKE_CURRENT_LIST_DIR}/bench_common.cpp)
target_include_directories(domus_bench_common PUBLIC ${CMAKE_CURRENT_LIST_DIR})

# domus_bench(NAME SOURCES... [LIBS libs...]): a benchmark binary at build/<preset>/bench/NAME
# that knows where `domus` and the guest ELF of the same build tree are.
function(domus_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE domus_bench_common ${ARG_LIBS})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/include)
  target_compile_definitions(${name} PRIVATE
    DOMUS_BIN="$<TARGET_FILE:domus>"
    DOMUS_GUEST_ELF="${CMAKE_BINARY_DIR}/guest/domus-guest.elf")
  add_dependencies(${name} domus)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endfunction()
