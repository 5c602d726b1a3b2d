// The request log.
#include "api/server_context.hpp"

#include <cstdio>
#include <string>

#include "telemetry/log_line.hpp"

namespace domus::api {
namespace {

// Request targets are attacker-chosen: only printable ASCII reaches the terminal.
std::string printable(std::string_view s) {
    std::string out;
    for (char ch : s.substr(0, 512)) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7F) {
            out += ch;
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        }
    }
    if (s.size() > 512) out += "...";
    return out;
}

}  // namespace

void ServerContext::log_request(std::string_view method, std::string_view target, int status,
                                std::chrono::steady_clock::time_point started) const {
    if (!options.verbose) return;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    telemetry::log(telemetry::Level::info, printable(method) + " " + printable(target) + " -> " +
                                               std::to_string(status) + " (" +
                                               std::to_string(us / 1000) + "." +
                                               std::to_string(us % 1000 / 100) + " ms)");
}

void ServerContext::log(std::string_view message) const {
    telemetry::log(telemetry::Level::error, message);
}

}  // namespace domus::api
