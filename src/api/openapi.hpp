// The OpenAPI 3 document of the API (src/api/openapi.json), embedded in the binary.
#pragma once

#include <string_view>

namespace domus::api {

std::string_view openapi_json();

}  // namespace domus::api
