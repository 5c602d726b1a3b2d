// openapi.json is linked in by openapi.S (.incbin); these symbols bound it.
#include "api/openapi.hpp"

extern "C" {
extern const char domus_openapi_start[];
extern const char domus_openapi_end[];
}

namespace domus::api {

std::string_view openapi_json() {
    return std::string_view(domus_openapi_start,
                            static_cast<size_t>(domus_openapi_end - domus_openapi_start));
}

}  // namespace domus::api
