// The bearer token TCP clients must send: 32 random bytes (getrandom) as 64 hex digits, made on
// first use in <state-dir>/api.token (mode 0600) and reused afterwards.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace domus::api {

inline constexpr size_t kTokenHexChars = 64;

Result<std::string> load_or_create_token(const std::string& state_dir);

// `hex_chars` (even) lower-case hex digits of getrandom bytes: tokens and session ids.
Result<std::string> random_hex(size_t hex_chars);
// True when `s` is exactly `hex_chars` lower-case hex digits.
bool is_lower_hex(std::string_view s, size_t hex_chars);

// The token of an "Authorization: Bearer <token>" header value ("" when it is not one).
std::string_view bearer_token(std::string_view authorization);

// Constant time in the contents (the length, 64 for a real token, is not secret).
bool token_equal(std::string_view expected, std::string_view given);

// What a TCP request's header says about who sends it: nullopt when it may go on, else why it
// is refused (the 401 message). Decided from the header alone, before any body is read;
// decide_tcp_auth (web_session.hpp) calls it when a request carries an Authorization header.
std::optional<std::string> tcp_auth_error(std::string_view expected_token,
                                          std::string_view authorization);

}  // namespace domus::api
