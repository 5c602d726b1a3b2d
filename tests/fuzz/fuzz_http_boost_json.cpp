// Boost.JSON compiled header-only into fuzz_http_request: the system libboost_json is built
// with g++ and is not instrumented, so the clang fuzz build does not link it.
#include <boost/json/src.hpp>
