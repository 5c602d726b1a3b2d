// Token generation, storage and comparison.
#include "api/api_token.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/fd.hpp"

namespace domus::api {
namespace {

Error sys_error(const std::string& what) {
    return make_error(Errc::io, what + ": " + std::strerror(errno));
}

Result<std::string> read_token(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid()) return sys_error("cannot open " + path);
    ::fchmod(fd.get(), 0600);  // tighten a file someone loosened
    char buf[kTokenHexChars + 2];
    size_t got = 0;
    while (got < sizeof buf) {
        const ssize_t n = ::read(fd.get(), buf + got, sizeof buf - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("cannot read " + path);
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    std::string_view text(buf, got);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    if (!is_lower_hex(text, kTokenHexChars)) {
        return make_error(Errc::invalid_argument,
                          path +
                              " does not hold a token (64 lowercase hex digits); remove it to "
                              "generate a new one");
    }
    return std::string(text);
}

}  // namespace

Result<std::string> random_hex(size_t hex_chars) {
    std::string bytes(hex_chars / 2, '\0');
    size_t got = 0;
    while (got < bytes.size()) {
        const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("getrandom");
        }
        got += static_cast<size_t>(n);
    }
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

bool is_lower_hex(std::string_view s, size_t hex_chars) {
    if (s.size() != hex_chars) return false;
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

Result<std::string> load_or_create_token(const std::string& state_dir) {
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    if (ec) return make_error(Errc::io, "cannot create " + state_dir + ": " + ec.message());
    const std::string path = state_dir + "/api.token";
    if (::access(path.c_str(), F_OK) == 0) return read_token(path);

    // Written whole to a private file, then linked into place: link() fails if another daemon
    // got there first, so nobody ever reads a half-written token.
    auto token = random_hex(kTokenHexChars);
    if (!token) return token;
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return sys_error("cannot create " + tmp);
    const std::string line = *token + "\n";
    const bool written =
        ::write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
        ::fsync(fd.get()) == 0;
    if (!written) {
        Error e = sys_error("cannot write " + tmp);
        ::unlink(tmp.c_str());
        return e;
    }
    const int rc = ::link(tmp.c_str(), path.c_str());
    const int link_errno = errno;
    ::unlink(tmp.c_str());
    if (rc != 0) {
        if (link_errno == EEXIST) return read_token(path);
        errno = link_errno;
        return sys_error("cannot create " + path);
    }
    return token;
}

std::string_view bearer_token(std::string_view authorization) {
    constexpr std::string_view kScheme = "Bearer ";
    if (authorization.size() < kScheme.size()) return {};
    for (size_t i = 0; i < kScheme.size(); ++i) {  // the scheme is case-insensitive
        const char a = authorization[i], b = kScheme[i];
        if (a != b && !(a >= 'a' && a <= 'z' && a - 'a' + 'A' == b) &&
            !(a >= 'A' && a <= 'Z' && a - 'A' + 'a' == b)) {
            return {};
        }
    }
    std::string_view token = authorization.substr(kScheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    return token;
}

bool token_equal(std::string_view expected, std::string_view given) {
    if (expected.empty() || expected.size() != given.size()) return false;
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        diff = diff | static_cast<unsigned char>(expected[i] ^ given[i]);
    }
    return diff == 0;
}

std::optional<std::string> tcp_auth_error(std::string_view expected_token,
                                          std::string_view authorization) {
    const std::string_view given = bearer_token(authorization);
    if (token_equal(expected_token, given)) return std::nullopt;
    return given.empty() ? "this TCP endpoint needs Authorization: Bearer <token> (the token is "
                           "in <state-dir>/api.token)"
                         : "the bearer token is not valid";
}

}  // namespace domus::api
