// Validation of query parameter values, with messages that name the parameter, its range and
// the value received: `tail must be an integer between 1 and 10000 (got "abc")`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/controller.hpp"

namespace domus::api {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Rejects a parameter not in `allowed` or given twice (400 bad_request naming it).
std::optional<control::ApiError> check_query_names(const QueryParams& query,
                                                   std::initializer_list<std::string_view> allowed);

// The value of `name`, or nullptr when absent.
const std::string* find_param(const QueryParams& query, std::string_view name);

// A decimal integer (digits only) in [min, max].
std::optional<control::ApiError> parse_int_param(std::string_view name, std::string_view value,
                                                 int64_t min, int64_t max, int64_t& out);
// "true" or "false".
std::optional<control::ApiError> parse_bool_param(std::string_view name, std::string_view value,
                                                  bool& out);

control::ApiError bad_request(std::string message, std::string field = {});

}  // namespace domus::api
