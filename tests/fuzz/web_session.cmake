# fuzz_web_session: the dashboard's header-time checks (src/api/web_session.cpp: the cookie
# parser, the Origin check, the TCP auth decision, the sign-in body) and Accept-Encoding
# (src/api/dashboard_assets.cpp's accepts_gzip is declared pure; the assets are not linked).
# Included by tests/fuzz/CMakeLists.txt.
find_package(Boost 1.81 REQUIRED)
domus_fuzz_target(fuzz_web_session
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_web_session.cpp
          ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_http_boost_json.cpp
          ${CMAKE_SOURCE_DIR}/src/api/web_session.cpp
          ${CMAKE_SOURCE_DIR}/src/api/api_token.cpp)
target_link_libraries(fuzz_web_session PRIVATE Boost::headers)

domus_fuzz_seed(fuzz_web_session cookie "GET\n/v1/domains\n\na=b; domus_session=cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\nhttps://127.0.0.1:8443\n127.0.0.1:8443\n")
domus_fuzz_seed(fuzz_web_session upgrade "GET\n/v1/domains/a/console/ws\n\ndomus_session=\"x\"; domus_session=y\nhttps://[::1]:443\n[::1]\nU")
domus_fuzz_seed(fuzz_web_session bearer "POST\n/v1/session\nBearer aaaa\n\nnull\nhost:99999\n{\"token\":\"a\"}")
