#include "cli/errors.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include <boost/json.hpp>

namespace domus::cli {

namespace json = boost::json;

Error cli_error(std::string message) {
    return make_error(Errc::invalid_argument, "error: " + one_line(message));
}

Error unreachable_error(std::string_view socket_path, std::string_view reason) {
    std::string text = "cannot reach domusd at ";
    text.append(socket_path);
    text += ": ";
    text.append(reason);
    text += " (is domusd running? start it with: domusd)";
    return make_error(Errc::io, one_line(text, 1000));
}

namespace {

struct ApiErrorObject {
    std::string message;
    std::string field;
};

// The `{"error": {"message": ..., "field": ...}}` object, or nothing when the body is not one.
std::optional<ApiErrorObject> parse_error_object(std::string_view body) {
    boost::system::error_code ec;
    json::value parsed = json::parse(body, ec);
    if (ec || !parsed.is_object()) return std::nullopt;
    const auto* err = parsed.as_object().if_contains("error");
    if (err == nullptr || !err->is_object()) return std::nullopt;
    const auto* msg = err->as_object().if_contains("message");
    if (msg == nullptr || !msg->is_string()) return std::nullopt;
    ApiErrorObject out{std::string(msg->as_string()), {}};
    const auto* field = err->as_object().if_contains("field");
    if (field != nullptr && field->is_string()) out.field = std::string(field->as_string());
    return out;
}

}  // namespace

Error api_error(unsigned status, std::string_view reason, std::string_view body) {
    if (auto err = parse_error_object(body)) {
        std::string text = err->message;
        if (!err->field.empty()) text += " (field: " + err->field + ")";
        return make_error(status >= 500 ? Errc::io : Errc::invalid_argument,
                          "error: " + one_line(text));
    }
    std::string text = "domusd answered HTTP " + std::to_string(status);
    if (!reason.empty()) {
        text += " ";
        text.append(reason);
    }
    const auto first = one_line(body.substr(0, body.find_first_of("\r\n")), 200);
    if (!first.empty()) text += ": " + first;
    return make_error(Errc::io, "error: " + one_line(text));
}

std::string one_line(std::string_view text, size_t max_len) {
    std::string out;
    out.reserve(std::min(text.size(), max_len));
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.size() > max_len) {
        out.resize(max_len > 3 ? max_len - 3 : 0);
        out += "...";
    }
    return out;
}

int report(const Error& error) {
    std::fprintf(stderr, "domus: %s\n", error.message.c_str());
    return 1;
}

}  // namespace domus::cli
