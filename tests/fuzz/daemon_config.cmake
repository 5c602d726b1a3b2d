# fuzz_daemon_config: domusd's `key = value` config file (src/api/daemon_config.cpp). Included
# by tests/fuzz/CMakeLists.txt.
find_package(Boost 1.81 REQUIRED)
domus_fuzz_target(fuzz_daemon_config
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_daemon_config.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_http_boost_json.cpp
          ${CMAKE_SOURCE_DIR}/src/api/daemon_config.cpp
          ${CMAKE_SOURCE_DIR}/src/api/socket_group.cpp
          ${CMAKE_SOURCE_DIR}/src/telemetry/log_line.cpp
          ${CMAKE_SOURCE_DIR}/src/vmm/jail_user.cpp
          ${DOMUS_FUZZ_CONFIG_LIB_SOURCES})
target_link_libraries(fuzz_daemon_config PRIVATE Boost::headers)

domus_fuzz_seed(fuzz_daemon_config all "# domusd\nsocket = /run/domus/domusd.sock\nstate_dir = \"/var/lib/domus\"\nlisten = 127.0.0.1:8080\nvmm = /usr/lib/domus/domus-vmm\nverbose = true\nmax-body-bytes = 65536\nmax_header_bytes = 8192\nmax-connections = 1024\nrequest-timeout-ms = 10000\nidle-timeout-ms = 60000\nwrite-timeout-ms = 10000\nsse-keepalive-ms = 15000\nio-threads = 2\nworker-threads = 4\nevents-kept = 100000\nstats-interval-ms = 1000\n")
domus_fuzz_seed(fuzz_daemon_config bad "\n\nmax-body-bytes = 0x10\ncolour=blue\n")
domus_fuzz_seed(fuzz_daemon_config image_dirs "image-dirs = /var/lib/domus/images, \"/srv/img/\" ,/x\nimage_dirs = relative,,/a,/a/\n")
domus_fuzz_seed(fuzz_daemon_config quoted "socket = \"/tmp/a b.sock\"\r\nverbose=false\r\n = 3\n")
domus_fuzz_seed(fuzz_daemon_config gateway_outside "gateway =13.0.82.82")
domus_fuzz_seed(fuzz_daemon_config vmm_users "vmm-user = nobody\nvmm-uid-range = 200000-265535\nvmm_uid_range = 0-4294967295\n")
