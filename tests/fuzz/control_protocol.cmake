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

domus_fuzz_seed(fuzz_control_protocol status [=[{"op":"status"}]=])
domus_fuzz_seed(fuzz_control_protocol console [=[{ "op" : "console" }
]=])
domus_fuzz_seed(fuzz_control_protocol unknown [=[{"op":"fly","x":[1,{"y":null}]}]=])
domus_fuzz_seed(fuzz_control_protocol ok [=[{"ok":true}]=])
domus_fuzz_seed(fuzz_control_protocol error [=[{"ok":false,"error":"cannot pause: the domain is paused"}]=])
domus_fuzz_seed(fuzz_control_protocol handshake [=[{"ok":true,"pid":12345}]=])
domus_fuzz_seed(fuzz_control_protocol status_reply [=[{"ok":true,"state":"running","pid":1,"vcpus":2,"memory_mib":64,"exits":42,"hypercalls":40,"vcpu_time_ns":1200000,"uptime_ns":99,"resident_kib":2100}]=])
domus_fuzz_seed(fuzz_control_protocol exit [=[{"reason":"crash","code":6,"detail":"guest reported a crash"}]=])
domus_fuzz_seed(fuzz_control_protocol exit_big [=[{"reason":"triple_fault","code":18446744073709551615,"detail":"\u0000\ud800"}]=])
domus_fuzz_seed(fuzz_control_protocol dump_core [=[{"op":"dump-core"}]=])
domus_fuzz_seed(fuzz_control_protocol dump_core_reply [=[{"ok":true,"bytes":33558528}]=])
domus_fuzz_seed(fuzz_control_protocol preserved_status [=[{"ok":true,"state":"crashed","pid":1,"vcpus":2,"memory_mib":64,"exits":42,"hypercalls":40,"vcpu_time_ns":1200000,"uptime_ns":99,"resident_kib":2100,"preserved":true,"exit":{"reason":"crash","code":6,"detail":"guest reported a crash"}}]=])
