// Query parameter checks.
#include "api/query_params.hpp"

#include <charconv>

#include "control/domain_config.hpp"

namespace domus::api {

using control::ApiError;
using control::config_detail::quote;

ApiError bad_request(std::string message, std::string field) {
    return ApiError{400, "bad_request", std::move(message), std::move(field)};
}

std::optional<ApiError> check_query_names(const QueryParams& query,
                                          std::initializer_list<std::string_view> allowed) {
    for (size_t i = 0; i < query.size(); ++i) {
        const std::string& name = query[i].first;
        bool known = false;
        for (std::string_view a : allowed) known = known || a == name;
        if (!known) {
            std::string takes;
            for (std::string_view a : allowed) {
                takes += takes.empty() ? "" : ", ";
                takes += a;
            }
            return bad_request("unknown query parameter " + quote(name) + " (this route takes " +
                                   (takes.empty() ? std::string("none") : takes) + ")",
                               name);
        }
        for (size_t j = 0; j < i; ++j) {
            if (query[j].first == name) {
                return bad_request("query parameter " + quote(name) + " is given twice", name);
            }
        }
    }
    return std::nullopt;
}

const std::string* find_param(const QueryParams& query, std::string_view name) {
    for (const auto& [k, v] : query) {
        if (k == name) return &v;
    }
    return nullptr;
}

std::optional<ApiError> parse_int_param(std::string_view name, std::string_view value, int64_t min,
                                        int64_t max, int64_t& out) {
    const auto error = [&] {
        return bad_request(std::string(name) + " must be an integer between " +
                               std::to_string(min) + " and " + std::to_string(max) + " (got " +
                               quote(value) + ")",
                           std::string(name));
    };
    if (value.empty() || value.size() > 19) return error();
    for (char c : value) {
        if (c < '0' || c > '9') return error();
    }
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || end != value.data() + value.size() || v < min || v > max) {
        return error();
    }
    out = v;
    return std::nullopt;
}

std::optional<ApiError> parse_bool_param(std::string_view name, std::string_view value, bool& out) {
    if (value == "true") {
        out = true;
    } else if (value == "false") {
        out = false;
    } else {
        return bad_request(std::string(name) + " must be true or false (got " + quote(value) + ")",
                           std::string(name));
    }
    return std::nullopt;
}

}  // namespace domus::api
