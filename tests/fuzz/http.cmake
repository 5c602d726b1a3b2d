# fuzz_http_request: raw bytes through Beast's request parser and domusd's pure request
# translation (src/api routes/query/JSON bodies, src/control config parsers). Included by
# tests/fuzz/CMakeLists.txt. Beast and Boost.JSON are header-only here (nothing g++-built is
# linked into the clang fuzzer).
find_package(Boost 1.81 REQUIRED)
domus_fuzz_target(fuzz_http_request
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_http_request.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_http_boost_json.cpp
          ${CMAKE_SOURCE_DIR}/src/api/uri.cpp
          ${CMAKE_SOURCE_DIR}/src/api/query_params.cpp
          ${CMAKE_SOURCE_DIR}/src/api/routes.cpp
          ${CMAKE_SOURCE_DIR}/src/api/web_session.cpp
          ${CMAKE_SOURCE_DIR}/src/api/api_token.cpp
          ${CMAKE_SOURCE_DIR}/src/api/json_views.cpp
          ${CMAKE_SOURCE_DIR}/src/api/http_reply.cpp
          ${DOMUS_FUZZ_CONFIG_LIB_SOURCES})
target_link_libraries(fuzz_http_request PRIVATE Boost::headers)

domus_fuzz_seed(fuzz_http_request list "GET /v1/domains HTTP/1.1\r\nHost: d\r\n\r\n")
domus_fuzz_seed(fuzz_http_request create "POST /v1/domains?start=true HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 44\r\n\r\n{\"name\":\"web1\",\"memory\":128,\"vcpus\":2}    ")
domus_fuzz_seed(fuzz_http_request patch "PATCH /v1/domains/web1 HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n12\r\n{\"on_crash\":\"r\"}  \r\n0\r\n\r\n")
domus_fuzz_seed(fuzz_http_request shutdown "POST /v1/domains/web%2D1/shutdown?timeout=30 HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n")
domus_fuzz_seed(fuzz_http_request console "GET /v1/domains/web1/console?tail=100&tail=x HTTP/1.1\r\nHost: d\r\n\r\n")
domus_fuzz_seed(fuzz_http_request ws "GET /v1/domains/web1/console/ws HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
domus_fuzz_seed(fuzz_http_request events "GET /v1/events?after=7&timeout=60 HTTP/1.1\r\nHost: d\r\nAccept: text/event-stream\r\nLast-Event-ID: 9\r\n\r\n")
domus_fuzz_seed(fuzz_http_request hostile "DELETE /v1/domains/..%2F%00%C3%A9?start=%zz HTTP/1.0\r\n\r\n")
domus_fuzz_seed(fuzz_http_request disks "POST /v1/domains HTTP/1.1\r\nHost: d\r\nContent-Length: 89\r\n\r\n{\"name\":\"a\",\"disks\":[{\"path\":\"root.img\",\"vdev\":\"xvda\",\"read_only\":true,\"ops_per_sec\":5}]}")
domus_fuzz_seed(fuzz_http_request image "POST /v1/images HTTP/1.1\r\nHost: d\r\nContent-Length: 50\r\n\r\n{\"name\":\"root.img\",\"size\":\"64M\",\"from_dir\":\"tree\"}")
domus_fuzz_seed(fuzz_http_request images "GET /v1/images HTTP/1.1\r\nHost: d\r\n\r\n")
domus_fuzz_seed(fuzz_http_request session "POST /v1/session HTTP/1.1\r\nHost: d\r\nContent-Length: 13\r\n\r\n{\"token\":\"a\"}")
domus_fuzz_seed(fuzz_http_request ws_tail "GET /v1/domains/web1/console/ws?tail=200 HTTP/1.1\r\nHost: d\r\n\r\n")
domus_fuzz_seed(fuzz_http_request raw "/v1/domains?start=true\n{\"name\":\"a\",\"disk\":[]}")
domus_fuzz_seed(fuzz_http_request vcpu_pin "POST /v1/domains/web1/vcpu-pin HTTP/1.1\r\nHost: d\r\nContent-Length: 25\r\n\r\n{\"vcpu\":\"all\",\"cpus\":\"1\"}")
