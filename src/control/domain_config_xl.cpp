// The xl.cfg parser: `key = value` statements ended by a newline or ';', values "strings" or
// 'strings' (C escapes), integers (decimal or 0x hex) and [lists] that may span lines, and
// # comments. One left-to-right pass, no recursion (lists do not nest); the first problem in
// file order is reported with its line.
#include <algorithm>
#include <array>
#include <string>

#include "control/domain_config.hpp"
#include "control/domain_config_disks.hpp"
#include "control/domain_config_nics.hpp"

namespace domus::control {
namespace {

using config_detail::Field;
using config_detail::RawValue;

struct XlKey {
    Field field;
    std::string_view shown;  // as written: "extra" sets cmdline
};

// The keys of the exec setting (JSON's "exec" object), gathered over the file and checked
// together at its end.
constexpr std::string_view kExecKeys[] = {"exec", "exec_args", "exec_busybox", "exec_overlay"};
constexpr size_t kExecKeyCount = std::size(kExecKeys);

// A list keeps at most this many items (a longer one is refused by its key with its length).
constexpr size_t kMaxListItems = std::max(kMaxDomainDisks, kMaxExecArgs) + 1;

bool ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool ident_char(char c) {
    return ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}
int hex_value(char c) {
    if (digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

class XlParser {
  public:
    XlParser(std::string_view text, const ConfigLimits& limits) : s_(text), limits_(limits) {}

    ConfigResult<DomainConfig> run() {
        if (s_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;  // a UTF-8 byte order mark
        while (!error_) {
            skip_space(true);
            if (i_ >= s_.size()) break;
            statement();
        }
        if (!error_) finish_exec();
        if (error_) return {std::nullopt, std::move(*error_)};
        return config_detail::config_from_patch(patch_, limits_);
    }

  private:
    char peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
    bool at_end() const { return i_ >= s_.size(); }

    void fail(std::string message, int line = 0) {
        if (line == 0) line = line_;
        error_ = config_detail::syntax_error("line " + std::to_string(line) + ": " + message, line);
    }
    void fail_field(ConfigError e, int line) {
        e.message = "line " + std::to_string(line) + ": " + e.message;
        e.line = line;
        error_ = std::move(e);
    }

    // What is at the current position, for "expected ..., got <this>".
    std::string got() const {
        if (at_end()) return "the end of the file";
        const char c = s_[i_];
        if (c == '\n') return "the end of the line";
        if (c == '\'') return "\"'\"";
        if (c >= 0x20 && c < 0x7F) return std::string("'") + c + "'";
        return "byte " + config_detail::quote(std::string_view(&s_[i_], 1));
    }

    // Spaces, tabs, CRs and comments; with `lines`, also newlines and ';' (between statements
    // and inside lists).
    void skip_space(bool lines, bool semicolons = true) {
        while (!at_end()) {
            const char c = s_[i_];
            if (c == ' ' || c == '\t' || c == '\r') {
                ++i_;
            } else if (c == '#') {
                while (!at_end() && s_[i_] != '\n') ++i_;
            } else if (lines && c == '\n') {
                ++line_;
                ++i_;
            } else if (lines && semicolons && c == ';') {
                ++i_;
            } else {
                return;
            }
        }
    }

    void statement() {
        if (!ident_start(peek())) return fail("expected a key, got " + got());
        const size_t start = i_;
        while (ident_char(peek())) ++i_;
        const std::string_view key = s_.substr(start, i_ - start);
        const int line = line_;
        const size_t exec_key = static_cast<size_t>(
            std::find(std::begin(kExecKeys), std::end(kExecKeys), key) - std::begin(kExecKeys));
        const auto xk = exec_key < kExecKeyCount ? std::optional<XlKey>(XlKey{Field::exec, key})
                                                 : check_key(key, line);
        if (!xk) return;
        if (exec_key < kExecKeyCount && exec_line_[exec_key] != 0) {
            return fail_field(
                ConfigError{"exec",
                            config_detail::quote(key) + " is set twice (first on line " +
                                std::to_string(exec_line_[exec_key]) + ")",
                            0, ConfigErrorKind::invalid_field},
                line);
        }
        skip_space(false);
        if (peek() == '+' && peek(1) == '=') {
            return fail("\"+=\" is not supported (write " + config_detail::quote(key) +
                        " = value)");
        }
        if (peek() != '=')
            return fail("expected '=' after " + config_detail::quote(key) + ", got " + got());
        ++i_;
        skip_space(false);
        RawValue v;
        items_.clear();
        item_count_ = 0;
        if (!value(key, v)) return;
        skip_space(false);
        if (!at_end() && peek() != '\n' && peek() != ';') {
            return fail("expected the end of the line after the value of " +
                        config_detail::quote(key) + ", got " + got());
        }
        std::optional<ConfigError> e;
        if (exec_key < kExecKeyCount) {
            exec_line_[exec_key] = line;
            e = exec_value(exec_key, v);
        } else if (xk->field == Field::disks && v.kind == RawValue::Kind::list) {
            e = disks(xk->shown);
        } else if (xk->field == Field::nics && v.kind == RawValue::Kind::list) {
            e = nics(xk->shown);
        } else {
            e = config_detail::set_field(patch_, xk->field, xk->shown, v, limits_);
        }
        if (e) fail_field(std::move(*e), line);
    }

    // exec = "PROGRAM", exec_args = [ "ARG", ... ], exec_busybox = 0|1, exec_overlay = "DIR".
    std::optional<ConfigError> exec_value(size_t key, const RawValue& v) {
        const std::string shown(kExecKeys[key]);
        static constexpr const char* kFields[] = {"exec.program", "exec.args", "exec.with_busybox",
                                                  "exec.overlay"};
        auto invalid = [&](std::string message, std::string field = "") {
            return ConfigError{field.empty() ? kFields[key] : field, std::move(message), 0,
                               ConfigErrorKind::invalid_field};
        };
        const std::string got = std::string(" (got ") + config_detail::kind_name(v.kind) + ")";
        switch (key) {
            case 0:
            case 3:
                if (v.kind != RawValue::Kind::string) {
                    return invalid(shown + " must be a \"string\"" + got);
                }
                if (v.text.empty()) {
                    return invalid(shown + " \"\" is empty" +
                                   (key == 0 ? ": it names the static program to run"
                                             : " (leave it out for none)"));
                }
                (key == 0 ? exec_.program : exec_.overlay) = v.text;
                return std::nullopt;
            case 1:
                if (v.kind != RawValue::Kind::list) {
                    return invalid(shown + " must be a [list] of \"strings\"" + got);
                }
                if (item_count_ > kMaxExecArgs) {
                    return invalid(shown + " has " + std::to_string(item_count_) +
                                   " entries: a program takes at most " +
                                   std::to_string(kMaxExecArgs) + " arguments");
                }
                for (size_t i = 0; i < items_.size(); ++i) {
                    if (items_[i].kind != RawValue::Kind::string) {
                        const std::string item = "[" + std::to_string(i) + "]";
                        return invalid(shown + item + " must be a \"string\" (got " +
                                           config_detail::kind_name(items_[i].kind) + ")",
                                       "exec.args" + item);
                    }
                    exec_.args.push_back(items_[i].text);
                }
                return std::nullopt;
            default:
                if (v.kind != RawValue::Kind::integer || v.negative ||
                    (v.magnitude != 0u && v.magnitude != 1u)) {
                    return invalid(shown + " must be 0 or 1" +
                                   (v.kind == RawValue::Kind::integer
                                        ? " (got " + v.text.substr(0, 64) + ")"
                                        : got));
                }
                exec_.with_busybox = v.magnitude == 1u;
                return std::nullopt;
        }
    }

    // After the last statement: exec_args, exec_busybox and exec_overlay need exec.
    void finish_exec() {
        size_t first = kExecKeyCount;
        for (size_t k = 0; k < kExecKeyCount; ++k) {
            if (exec_line_[k] != 0 &&
                (first == kExecKeyCount || exec_line_[k] < exec_line_[first])) {
                first = k;
            }
        }
        if (first == kExecKeyCount) return;
        if (exec_line_[0] == 0) {
            return fail_field(ConfigError{"exec.program",
                                          config_detail::quote(kExecKeys[first]) +
                                              " needs exec = \"PROGRAM\" (the static program to "
                                              "run)",
                                          0, ConfigErrorKind::invalid_field},
                              exec_line_[first]);
        }
        if (auto e = config_detail::set_exec(patch_, std::move(exec_), true)) {
            const auto at = e->field.starts_with("exec.args")      ? 1
                            : e->field.starts_with("exec.overlay") ? 3
                                                                   : 0;
            fail_field(std::move(*e), exec_line_[at]);
        }
    }

    // `disk = [ 'spec', ... ]`: each item a disk specification string.
    std::optional<ConfigError> disks(std::string_view shown) {
        const std::string list(shown);
        if (item_count_ > kMaxDomainDisks) {
            return ConfigError{"disks",
                               list + " has " + std::to_string(item_count_) +
                                   " entries: a domain has at most " +
                                   std::to_string(kMaxDomainDisks) + " disks",
                               0, ConfigErrorKind::invalid_field};
        }
        std::vector<DiskConfig> out;
        for (size_t i = 0; i < items_.size(); ++i) {
            const std::string item = list + "[" + std::to_string(i) + "]";
            auto invalid = [&](std::string message) {
                return ConfigError{"disks[" + std::to_string(i) + "]", std::move(message), 0,
                                   ConfigErrorKind::invalid_field};
            };
            if (items_[i].kind != RawValue::Kind::string) {
                return invalid(item + " must be a disk specification string (got " +
                               config_detail::kind_name(items_[i].kind) + ")");
            }
            auto d = parse_xl_disk_spec(items_[i].text);
            if (!d.disk) {
                return invalid(item + " " + config_detail::quote(items_[i].text) + ": " + d.error);
            }
            out.push_back(std::move(*d.disk));
        }
        return config_detail::set_disks(patch_, shown, std::move(out));
    }

    // `vif = [ 'spec', ... ]`: each item a vif specification string.
    std::optional<ConfigError> nics(std::string_view shown) {
        const std::string list(shown);
        if (item_count_ > kMaxDomainNics) {
            return ConfigError{"nics",
                               list + " has " + std::to_string(item_count_) +
                                   " entries: a domain has at most " +
                                   std::to_string(kMaxDomainNics) + " network interfaces",
                               0, ConfigErrorKind::invalid_field};
        }
        std::vector<NicConfig> out;
        for (size_t i = 0; i < items_.size(); ++i) {
            const std::string item = list + "[" + std::to_string(i) + "]";
            auto invalid = [&](std::string message) {
                return ConfigError{"nics[" + std::to_string(i) + "]", std::move(message), 0,
                                   ConfigErrorKind::invalid_field};
            };
            if (items_[i].kind != RawValue::Kind::string) {
                return invalid(item + " must be a vif specification string (got " +
                               config_detail::kind_name(items_[i].kind) + ")");
            }
            auto n = parse_xl_vif_spec(items_[i].text);
            if (!n.nic) {
                return invalid(item + " " + config_detail::quote(items_[i].text) + ": " + n.error);
            }
            out.push_back(std::move(*n.nic));
        }
        return config_detail::set_nics(patch_, shown, std::move(out));
    }

    // Known, supported and not yet set: the key's field; otherwise records the error.
    std::optional<XlKey> check_key(std::string_view key, int line) {
        const auto field = config_detail::xl_key_field(key);
        const auto xk = field ? std::optional<XlKey>(XlKey{*field, key}) : std::nullopt;
        if (!xk && key == "disks") {  // the JSON name: a field, so not an "unknown field" error
            fail_field(ConfigError{"disks", "unknown key \"disks\" (the xl.cfg key is \"disk\")", 0,
                                   ConfigErrorKind::invalid_field},
                       line);
            return std::nullopt;
        }
        if (!xk && key == "nics") {
            fail_field(ConfigError{"nics", "unknown key \"nics\" (the xl.cfg key is \"vif\")", 0,
                                   ConfigErrorKind::invalid_field},
                       line);
            return std::nullopt;
        }
        if (!xk) {
            const bool known = config_detail::xl_key_unsupported(key);
            const std::string msg =
                known ? config_detail::quote(key) + " is not supported by Domus yet"
                      : "unknown key " + config_detail::quote(key);
            fail_field(
                ConfigError{std::string(key.substr(0, 64)), msg, 0, ConfigErrorKind::unknown_field},
                line);
            return std::nullopt;
        }
        const auto f = static_cast<size_t>(xk->field);
        if (first_line_[f] != 0) {
            std::string msg = config_detail::quote(key) + " is set twice (first on line " +
                              std::to_string(first_line_[f]) + ")";
            if (first_key_[f] != key) {
                msg = config_detail::quote(key) + " and " + config_detail::quote(first_key_[f]) +
                      " (line " + std::to_string(first_line_[f]) +
                      ") both set the kernel command line: use one of them";
            }
            fail_field(ConfigError{config_detail::field_name(xk->field), msg, 0,
                                   ConfigErrorKind::invalid_field},
                       line);
            return std::nullopt;
        }
        first_line_[f] = line;
        first_key_[f] = key;
        return xk;
    }

    static bool scalar_start(char c) { return c == '"' || c == '\'' || digit(c) || c == '-'; }

    // A string or a number (a statement's value or a list item).
    bool scalar(std::string_view key, RawValue& v) {
        if (peek() == '"' || peek() == '\'') {
            v.kind = RawValue::Kind::string;
            return string(v.text);
        }
        v.kind = RawValue::Kind::integer;
        return number(key, v);
    }

    bool value(std::string_view key, RawValue& v) {
        const char c = peek();
        if (scalar_start(c)) return scalar(key, v);
        if (c == '[') {
            v.kind = RawValue::Kind::list;
            return list(key);
        }
        std::string what = got();
        if (ident_start(c)) {
            const size_t start = i_;
            while (ident_char(peek())) ++i_;
            what = std::string(s_.substr(start, std::min<size_t>(i_ - start, 64))) +
                   " (strings need quotes)";
        }
        fail("expected a value for " + config_detail::quote(key) +
             " (a \"string\", a number or a [list]), got " + what);
        return false;
    }

    bool number(std::string_view key, RawValue& v) {
        const size_t start = i_;
        if (peek() == '-') ++i_;
        while (ident_char(peek()) || peek() == '+' || peek() == '-') ++i_;
        v.text = std::string(s_.substr(start, i_ - start));
        v.negative = v.text[0] == '-';
        if (!config_detail::parse_xl_unsigned(std::string_view(v.text).substr(v.negative ? 1 : 0),
                                              v.magnitude)) {
            fail("invalid number " + config_detail::quote(v.text) + " for " +
                 config_detail::quote(key) + " (decimal without leading zeros, or 0x hex)");
            return false;
        }
        if (v.negative && v.magnitude == 0) v.negative = false;
        return true;
    }

    bool string(std::string& out) {
        const char q = s_[i_++];
        while (true) {
            if (at_end() || peek() == '\n') {
                fail(std::string("unterminated string (missing the closing ") + q + ")");
                return false;
            }
            const char c = s_[i_++];
            if (c == q) return true;
            if (c != '\\') {
                out += c;
            } else if (!escape(out)) {
                return false;
            }
        }
    }

    // After a backslash: appends the escaped byte.
    bool escape(std::string& out) {
        const char c = peek();
        static constexpr std::string_view kFrom = "ntrabfv\\\"'", kTo = "\n\t\r\a\b\f\v\\\"'";
        if (const size_t k = kFrom.find(c); c != '\0' && k != std::string_view::npos) {
            out += kTo[k];
            ++i_;
            return true;
        }
        if (c == 'x' && hex_value(peek(1)) >= 0 && hex_value(peek(2)) >= 0) {
            out += static_cast<char>(hex_value(peek(1)) * 16 + hex_value(peek(2)));
            i_ += 3;
            return true;
        }
        if (c >= '0' && c <= '7') {
            int v = 0;
            for (int n = 0; n < 3 && peek() >= '0' && peek() <= '7'; ++n)
                v = v * 8 + (s_[i_++] - '0');
            if (v > 0xFF) {
                fail("octal escape above \\377 in a string");
                return false;
            }
            out += static_cast<char>(v);
            return true;
        }
        const bool printable = c >= 0x20 && c < 0x7F;
        fail("invalid escape \\" + (printable ? std::string(1, c) : "<" + got() + ">") +
             " in a string (\\n \\t \\r \\a \\b \\f \\v \\\\ \\\" \\' \\xHH \\ooo)");
        return false;
    }

    // Checks a list's syntax and keeps its items in items_ (at most a few more than any key
    // takes: a longer list is refused by its key anyway).
    bool list(std::string_view key) {
        const int start_line = line_;
        ++i_;
        bool want_item = true;
        while (true) {
            skip_space(true, false);
            if (at_end()) {
                fail("unterminated list for " + config_detail::quote(key) + " (missing ']')",
                     start_line);
                return false;
            }
            const char c = peek();
            if (c == ']') {
                ++i_;
                return true;
            }
            if (c == '[') {
                fail("nested lists are not supported (in " + config_detail::quote(key) + ")");
                return false;
            }
            if (want_item && scalar_start(c)) {
                RawValue item;
                if (!scalar(key, item)) return false;
                if (items_.size() < kMaxListItems) items_.push_back(std::move(item));
                ++item_count_;
                want_item = false;
            } else if (!want_item && c == ',') {
                ++i_;
                want_item = true;
            } else {
                fail(std::string(want_item ? "expected a list item" : "expected ',' or ']'") +
                     " in the list for " + config_detail::quote(key) + ", got " + got());
                return false;
            }
        }
    }

    std::string_view s_;
    const ConfigLimits& limits_;
    size_t i_ = 0;
    int line_ = 1;
    std::array<int, config_detail::kFieldCount> first_line_{};
    std::array<std::string_view, config_detail::kFieldCount> first_key_{};
    DomainConfigPatch patch_;
    ExecConfig exec_;                             // exec, exec_args, ... as they come
    std::array<int, kExecKeyCount> exec_line_{};  // where each exec key is set (0: not)
    std::vector<RawValue> items_;                 // the last list's items
    size_t item_count_ = 0;                       // how many it had
    std::optional<ConfigError> error_;
};

}  // namespace

ConfigResult<DomainConfig> parse_config_xl(std::string_view text, const ConfigLimits& limits) {
    if (text.size() > kMaxConfigBytes) {
        return {std::nullopt,
                config_detail::syntax_error("the configuration of " + std::to_string(text.size()) +
                                            " bytes is larger than the limit of " +
                                            std::to_string(kMaxConfigBytes) + " bytes")};
    }
    return XlParser(text, limits).run();
}

}  // namespace domus::control
