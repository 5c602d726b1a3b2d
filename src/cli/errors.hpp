// How `domus` reports failures: every error is one line on stderr, `domus: <text>`, exit 1.
// The texts are built here, as pure functions, so that they can be tested without a daemon.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace domus::cli {

// `error: <message>`: the prefix every failure but an unreachable daemon carries.
Error cli_error(std::string message);

// `cannot reach domusd at <path>: <reason> (is domusd running? start it with: domusd)`.
Error unreachable_error(std::string_view socket_path, std::string_view reason);

// A non-2xx answer: the API error object `{"error": {"message", "field"}}` becomes
// `error: <message>` plus ` (field: <field>)` when set; any other body becomes
// `error: domusd answered HTTP <status> <reason>: <first line of the body>`.
Error api_error(unsigned status, std::string_view reason, std::string_view body);

// Squeezes text a daemon or a file sent into one printable line (control characters become
// spaces, at most max_len bytes, "..." when cut).
std::string one_line(std::string_view text, size_t max_len = 400);

// Prints `domus: <message>` on stderr and returns 1, the exit status of every failure.
int report(const Error& error);

}  // namespace domus::cli
