# Included by the bench/daemon_* benchmarks (this directory has no CMakeLists.txt of its own, so
# bench/CMakeLists.txt does not add it): a real domusd in a private temp directory, the
# integration tests' tiny HTTP client, and domus_daemon_bench().

# Imported targets are visible only in the directory that found them: found by every includer.
find_package(Boost 1.81 REQUIRED COMPONENTS json)
find_package(Threads REQUIRED)
include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/../common/bench.cmake)

if(TARGET domusd AND TARGET domus-vmm)
  add_library(domus_daemon_bench STATIC ${CMAKE_CURRENT_LIST_DIR}/daemon_bench.cpp
              ${CMAKE_CURRENT_LIST_DIR}/signal_cleanup.cpp
              ${CMAKE_SOURCE_DIR}/tests/integration/http_client.cpp
              ${CMAKE_SOURCE_DIR}/tests/integration/daemon_spawn.cpp)
  target_include_directories(domus_daemon_bench PUBLIC ${CMAKE_CURRENT_LIST_DIR}
                             ${CMAKE_SOURCE_DIR}/tests/integration)
  target_link_libraries(domus_daemon_bench PUBLIC domus_bench_common Threads::Threads)
  target_compile_definitions(domus_daemon_bench PRIVATE DOMUSD_BIN="$<TARGET_FILE:domusd>")
endif()

# domus_daemon_bench(NAME SOURCES...): domus_bench() plus the daemon helper, built after domusd
# and domus-vmm; nothing when this tree has no domusd.
function(domus_daemon_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  if(NOT TARGET domus_daemon_bench)
    message(STATUS "${name} skipped: this build has no domusd")
    return()
  endif()
  domus_bench(${name} SOURCES ${ARG_SOURCES} LIBS domus_daemon_bench Boost::json)
  add_dependencies(${name} domusd domus-vmm)
endfunction()
