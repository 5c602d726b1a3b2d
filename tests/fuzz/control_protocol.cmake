# fuzz_control_protocol: the domus-vmm control channel's request/response/handshake parsers and
# the exit file parser (src/vmm/control_protocol.cpp, src/vmm/exit_file.cpp) on arbitrary text.
# Included by tests/fuzz/CMakeLists.txt. Boost.JSON comes from its headers (the fuzz TU includes
# <boost/json/src.hpp>), instrumented like the rest.
find_package(Boost 1.81 REQUIRED)
domus_fuzz_target(fuzz_control_protocol
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_control_protocol.cpp
          ${CMAKE_SOURCE_DIR}/src/vmm/control_protocol.cpp
          ${CMAKE_SOURCE_DIR}/src/vmm/exit_file.cpp)
target_link_libraries(fuzz_control_protocol PRIVATE Boost::headers)

function(control_fuzz_seed name content)
  set(file ${CMAKE_CURRENT_BINARY_DIR}/fuzz_control_protocol_corpus/${name})
  if(NOT EXISTS ${file})
    file(WRITE ${file} "${content}")
  endif()
endfunction()
control_fuzz_seed(status [=[{"op":"status"}]=])
control_fuzz_seed(console [=[{ "op" : "console" }
]=])
control_fuzz_seed(unknown [=[{"op":"fly","x":[1,{"y":null}]}]=])
control_fuzz_seed(ok [=[{"ok":true}]=])
control_fuzz_seed(error [=[{"ok":false,"error":"cannot pause: the domain is paused"}]=])
control_fuzz_seed(handshake [=[{"ok":true,"pid":12345}]=])
control_fuzz_seed(status_reply [=[{"ok":true,"state":"running","pid":1,"vcpus":2,"memory_mib":64,"exits":42,"hypercalls":40,"vcpu_time_ns":1200000,"uptime_ns":99,"resident_kib":2100}]=])
control_fuzz_seed(exit [=[{"reason":"crash","code":6,"detail":"guest reported a crash"}]=])
control_fuzz_seed(exit_big [=[{"reason":"triple_fault","code":18446744073709551615,"detail":"\u0000\ud800"}]=])
