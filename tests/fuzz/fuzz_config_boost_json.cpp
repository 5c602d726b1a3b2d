// Boost.JSON compiled header-only into the clang fuzz targets: the system libboost_json is
// built with g++ and is not instrumented, so the fuzz build does not link it.
#include <boost/json/src.hpp>
