// The JSON configuration and PATCH parsers: a Boost.JSON SAX handler that sees every key (so
// duplicates are caught, which a DOM silently collapses), the exact text of every number, and
// never builds a tree. Syntax errors are located by re-feeding the text one byte at a time.
#include <algorithm>
#include <bitset>
#include <boost/json/basic_parser_impl.hpp>
#include <cstdint>
#include <string>

#include "control/domain_config.hpp"
#include "control/domain_config_json_disks.hpp"
#include "control/domain_config_json_exec.hpp"
#include "control/domain_config_json_nics.hpp"

namespace domus::control {
namespace {

using config_detail::Field;
using config_detail::RawValue;
using config_detail::shown_key;
using Kind = RawValue::Kind;
namespace json = boost::json;

constexpr size_t kMaxDepth = 20;

class ConfigHandler {
  public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = kMaxConfigBytes;
    static constexpr std::size_t max_key_size = kMaxConfigBytes;

    explicit ConfigHandler(const ConfigLimits& limits) : limits_(limits) {}

    const std::optional<ConfigError>& error() const { return error_; }
    const DomainConfigPatch& patch() const { return patch_; }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) { return begin(Kind::object); }
    bool on_object_end(std::size_t, json::error_code&) { return end(); }
    bool on_array_begin(json::error_code&) { return begin(Kind::array); }
    bool on_array_end(std::size_t, json::error_code&) { return end(); }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        if (depth_ == 1) key_.append(s.data(), s.size());
        if (in_list() && depth_ == 3) disk_key_.append(s.data(), s.size());
        if (in_exec_ && depth_ == 2) exec_key_.append(s.data(), s.size());
        return true;
    }
    bool on_key(json::string_view s, std::size_t n, json::error_code& ec) {
        return on_key_part(s, n, ec);
    }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        if (keeps_text()) text_.append(s.data(), s.size());
        return true;
    }
    bool on_string(json::string_view s, std::size_t n, json::error_code& ec) {
        on_string_part(s, n, ec);
        return scalar(Kind::string);
    }
    bool on_number_part(json::string_view s, json::error_code&) {
        if (keeps_text()) text_.append(s.data(), s.size());
        return true;
    }
    bool on_int64(int64_t i, json::string_view s, json::error_code& ec) {
        on_number_part(s, ec);
        negative_ = i < 0;
        magnitude_ = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
        return scalar(Kind::integer);
    }
    bool on_uint64(uint64_t u, json::string_view s, json::error_code& ec) {
        on_number_part(s, ec);
        magnitude_ = u;
        return scalar(Kind::integer);
    }
    bool on_double(double, json::string_view s, json::error_code& ec) {
        on_number_part(s, ec);
        // An integer literal too large for 64 bits also arrives here: still an integer.
        if (text_.find_first_of(".eE") != std::string::npos) return scalar(Kind::fraction);
        negative_ = !text_.empty() && text_[0] == '-';
        return scalar(Kind::integer);
    }
    bool on_bool(bool b, json::error_code&) {
        truth_ = b;
        return scalar(Kind::boolean);
    }
    bool on_null(json::error_code&) { return scalar(Kind::null); }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

  private:
    // Semantic problems are recorded, never returned as parser failures: the parse goes on so
    // that a syntax error anywhere in the document takes precedence.
    bool keeps_text() const {
        return depth_ <= 1 || (in_list() && depth_ == 3) || (in_exec_ && depth_ <= 3);
    }
    bool in_list() const { return in_disks_ || in_nics_; }

    bool begin(Kind k) {
        if (depth_ == 0) {
            top_is_object_ = k == Kind::object;
            if (!top_is_object_) not_an_object(k);
        } else if (depth_ == 1 && k == Kind::array && key_ == "disks") {
            begin_disks();
        } else if (depth_ == 1 && k == Kind::array && key_ == "nics") {
            begin_nics();
        } else if (depth_ == 1 && k == Kind::object && key_ == "exec") {
            begin_exec();
        } else if (in_exec_ && depth_ >= 2) {
            RawValue v;
            v.kind = k;
            exec_value(v);
        } else if (in_list() && depth_ == 2) {
            disk_item(k);
        } else if (in_list() && depth_ == 3) {
            RawValue v;
            v.kind = k;
            disk_field(v);
        } else if (depth_ == 1) {
            RawValue v;
            v.kind = k;
            value(v);
        }
        ++depth_;
        return true;
    }
    bool end() {
        --depth_;
        if (in_disks_ && depth_ == 2) end_disk();
        if (in_disks_ && depth_ == 1) end_disks();
        if (in_nics_ && depth_ == 1) end_nics();
        if (in_exec_ && depth_ == 2) exec_.end_container();
        if (in_exec_ && depth_ == 1) end_exec();
        return true;
    }
    bool scalar(Kind k) {
        if (depth_ == 0) {
            not_an_object(k);
        } else if (depth_ == 1 || (in_list() && depth_ <= 3) || (in_exec_ && depth_ <= 3)) {
            RawValue v;
            v.kind = k;
            v.text = std::move(text_);
            v.negative = negative_;
            v.magnitude = magnitude_;
            v.truth = truth_;
            if (depth_ == 1) {
                value(v);
            } else if (in_exec_) {
                exec_value(v);
            } else if (depth_ == 2) {
                disk_item(k);
            } else {
                disk_field(v);
            }
        }
        text_.clear();
        negative_ = false;
        magnitude_.reset();
        truth_ = false;
        return true;
    }

    // "disks": [ {...}, ... ]: each member checked as it arrives (config_detail::JsonDisks),
    // then the whole list.
    void begin_disks() {
        in_disks_ = true;
        disks_.begin();
        if (!top_is_object_ || error_) return;
        const auto bit = static_cast<size_t>(Field::disks);
        if (seen_.test(bit)) {
            error_ = ConfigError{"disks", "field \"disks\" appears twice", 0,
                                 ConfigErrorKind::invalid_field};
        }
        seen_.set(bit);
    }
    void end_disks() {
        in_disks_ = false;
        key_.clear();
        if (top_is_object_ && !error_) {
            error_ = config_detail::set_disks(patch_, "disks", disks_.take());
        }
    }
    // "nics": [ {...}, ... ]: the same, through config_detail::JsonNics.
    void begin_nics() {
        in_nics_ = true;
        nics_.begin();
        if (!top_is_object_ || error_) return;
        const auto bit = static_cast<size_t>(Field::nics);
        if (seen_.test(bit)) {
            error_ = ConfigError{"nics", "field \"nics\" appears twice", 0,
                                 ConfigErrorKind::invalid_field};
        }
        seen_.set(bit);
    }
    void end_nics() {
        in_nics_ = false;
        key_.clear();
        if (top_is_object_ && !error_) {
            error_ = config_detail::set_nics(patch_, "nics", nics_.take());
        }
    }
    // "exec": { "program": ..., "args": [...], ... }: through config_detail::JsonExec.
    void begin_exec() {
        in_exec_ = true;
        exec_.begin();
        exec_key_.clear();
        if (!top_is_object_ || error_) return;
        const auto bit = static_cast<size_t>(Field::exec);
        if (seen_.test(bit)) {
            error_ = ConfigError{"exec", "field \"exec\" appears twice", 0,
                                 ConfigErrorKind::invalid_field};
        }
        seen_.set(bit);
    }
    void end_exec() {
        in_exec_ = false;
        key_.clear();
        if (top_is_object_ && !error_) error_ = exec_.end(patch_);
    }
    // A value inside the exec object: a field's (depth 2) or an argument's (depth 3; deeper
    // values only arrive once an error is recorded and are ignored).
    void exec_value(const RawValue& v) {
        if (depth_ == 2) {
            const std::string key = std::move(exec_key_);
            exec_key_.clear();
            if (!error_) error_ = exec_.field(key, v);
        } else if (depth_ == 3 && !error_) {
            error_ = exec_.arg(v);
        }
    }
    void disk_item(Kind k) {
        auto e = in_nics_ ? nics_.item(k) : disks_.item(k);
        if (!error_) error_ = std::move(e);
    }
    void end_disk() {
        if (!error_) error_ = disks_.end_item();
    }
    void disk_field(const RawValue& v) {
        const std::string key = std::move(disk_key_);
        disk_key_.clear();
        if (!error_) error_ = in_nics_ ? nics_.field(key, v) : disks_.field(key, v);
    }
    void not_an_object(Kind k) {
        error_ = config_detail::syntax_error(std::string("the body must be a JSON object (got ") +
                                             config_detail::kind_name(k) + ")");
    }
    void value(const RawValue& v) {
        if (top_is_object_ && !error_) check(v);
        key_.clear();
    }
    void check(const RawValue& v) {
        const auto f = config_detail::field_from_name(key_);
        if (!f) {
            error_ = ConfigError{shown_key(key_), "unknown field " + config_detail::quote(key_), 0,
                                 ConfigErrorKind::unknown_field};
            return;
        }
        const auto bit = static_cast<size_t>(*f);
        if (seen_.test(bit)) {
            error_ = ConfigError{key_, "field " + config_detail::quote(key_) + " appears twice", 0,
                                 ConfigErrorKind::invalid_field};
            return;
        }
        seen_.set(bit);
        error_ = config_detail::set_field(patch_, *f, key_, v, limits_);
    }

    const ConfigLimits& limits_;
    size_t depth_ = 0;
    bool top_is_object_ = false;
    std::string key_;   // the current key of the top-level object
    std::string text_;  // the current string or number at depth <= 1
    bool negative_ = false;
    std::optional<uint64_t> magnitude_;
    bool truth_ = false;
    std::bitset<config_detail::kFieldCount> seen_;
    bool in_disks_ = false;  // inside the "disks" array
    std::string disk_key_;   // the current key of a disk object
    config_detail::JsonDisks disks_;
    bool in_nics_ = false;  // inside the "nics" array
    config_detail::JsonNics nics_;
    bool in_exec_ = false;  // inside the "exec" object
    std::string exec_key_;  // the current key of the exec object
    config_detail::JsonExec exec_;
    DomainConfigPatch patch_;
    std::optional<ConfigError> error_;
};

using Parser = json::basic_parser<ConfigHandler>;

json::parse_options parse_options() {
    json::parse_options opt;
    opt.max_depth = kMaxDepth;
    return opt;
}

ConfigError syntax_error_at(std::string_view text, size_t offset, const std::string& reason) {
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return config_detail::syntax_error("invalid JSON at line " + std::to_string(line) +
                                       ", column " + std::to_string(offset - line_start + 1) +
                                       ": " + reason);
}

// The offset of the byte at which the parser fails (Boost.JSON does not report where a
// one-shot parse failed). Only on the error path: a first parser is fed 256-byte chunks to find
// the failing chunk, a second one the text before it at once and then that chunk byte by byte.
size_t error_offset(std::string_view text) {
    constexpr size_t kChunk = 256;
    const ConfigLimits limits;
    json::error_code ec;
    size_t start = 0;
    {
        Parser chunks(parse_options(), limits);
        for (; start < text.size(); start += kChunk) {
            chunks.write_some(true, text.data() + start, std::min(kChunk, text.size() - start), ec);
            if (ec) break;
        }
        if (!ec) return text.size();  // a valid prefix: the document ended too early
    }
    Parser bytes(parse_options(), limits);
    json::error_code byte_ec;
    if (start > 0) bytes.write_some(true, text.data(), start, byte_ec);
    for (size_t i = start; !byte_ec && i < text.size(); ++i) {
        bytes.write_some(true, text.data() + i, 1, byte_ec);
        if (byte_ec) return i;
    }
    return start;
}

ConfigResult<DomainConfigPatch> parse_fields(std::string_view text, const ConfigLimits& limits) {
    if (text.size() > kMaxConfigBytes) {
        return {std::nullopt,
                config_detail::syntax_error("the body of " + std::to_string(text.size()) +
                                            " bytes is larger than the limit of " +
                                            std::to_string(kMaxConfigBytes) + " bytes")};
    }
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return {std::nullopt,
                config_detail::syntax_error("the body is empty (expected a JSON object)")};
    }
    Parser p(parse_options(), limits);
    json::error_code ec;
    const size_t used = p.write_some(false, text.data(), text.size(), ec);
    if (ec) return {std::nullopt, syntax_error_at(text, error_offset(text), ec.message())};
    if (used < text.size()) {
        return {std::nullopt, syntax_error_at(text, used, "unexpected text after the object")};
    }
    if (p.handler().error()) return {std::nullopt, *p.handler().error()};
    return {p.handler().patch(), {}};
}

}  // namespace

ConfigResult<DomainConfig> parse_config_json(std::string_view text, const ConfigLimits& limits) {
    auto fields = parse_fields(text, limits);
    if (!fields.ok()) return {std::nullopt, std::move(fields.error)};
    return config_detail::config_from_patch(*fields.value, limits);
}

ConfigResult<DomainConfigPatch> parse_patch_json(std::string_view text,
                                                 const ConfigLimits& limits) {
    auto fields = parse_fields(text, limits);
    if (fields.ok() && fields.value->present_fields().empty()) {
        return {std::nullopt,
                ConfigError{"", "no fields to change", 0, ConfigErrorKind::invalid_field}};
    }
    return fields;
}

}  // namespace domus::control
