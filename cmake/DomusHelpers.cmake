# Helpers shared by every directory.

# domus_unit_test(NAME SOURCES... [LIBS libs...]): a GoogleTest binary registered with CTest.
function(domus_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/include)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES LABELS unit)
endfunction()

# domus_static_binary(TARGET): link statically when DOMUS_STATIC is on. Process start is on the
# boot path of every domain (domus run, domus-vmm) and of the daemon: dynamic loading and
# relocating libstdc++ and Boost costs about 1 ms per start here (docs/performance.md).
function(domus_static_binary target)
  if(DOMUS_STATIC)
    target_link_options(${target} PRIVATE -static)
  endif()
endfunction()
