// The members and fields of the JSON "disks" array, checked one by one.
#include "control/domain_config_json_disks.hpp"

#include <iterator>

namespace domus::control::config_detail {
namespace {

using Kind = RawValue::Kind;

constexpr std::string_view kKeys[] = {"path", "vdev", "read_only", "bytes_per_sec", "ops_per_sec"};

ConfigError invalid(std::string field, std::string message) {
    return ConfigError{std::move(field), std::move(message), 0, ConfigErrorKind::invalid_field};
}

}  // namespace

std::string shown_key(std::string_view key) {
    std::string q = quote(key);
    const size_t end = q.rfind('"');
    return q.substr(1, end - 1) + q.substr(end + 1);
}

void JsonDisks::begin() {
    items_ = 0;
    in_disk_ = false;
    disks_.clear();
}

std::string JsonDisks::item_name() const {
    return "disks[" + std::to_string(items_ - 1) + "]";
}

std::optional<ConfigError> JsonDisks::item(Kind kind) {
    ++items_;
    in_disk_ = false;
    if (items_ > kMaxDomainDisks) {
        return invalid("disks", "disks has more than " + std::to_string(kMaxDomainDisks) +
                                    " entries: a domain has at most " +
                                    std::to_string(kMaxDomainDisks) + " disks");
    }
    if (kind != Kind::object) {
        return invalid(item_name(),
                       item_name() + " must be an object (got " + kind_name(kind) + ")");
    }
    disks_.emplace_back();
    seen_.reset();
    in_disk_ = true;
    return std::nullopt;
}

std::optional<ConfigError> JsonDisks::end_item() {
    if (!in_disk_ || seen_.test(0)) return std::nullopt;
    return invalid(item_name() + ".path", item_name() + ".path is required");
}

std::optional<ConfigError> JsonDisks::field(std::string_view key, const RawValue& v) {
    if (!in_disk_) return std::nullopt;
    size_t k = 0;
    while (k < std::size(kKeys) && kKeys[k] != key) ++k;
    const std::string item = item_name();
    std::string name = item + "." + shown_key(key);
    if (name.size() > 70) name = name.substr(0, 67) + "...";  // a field name stays short
    if (k == std::size(kKeys)) {
        return ConfigError{name, "unknown field " + quote(key) + " in " + item, 0,
                           ConfigErrorKind::unknown_field};
    }
    if (seen_.test(k)) return invalid(name, "field " + quote(key) + " appears twice in " + item);
    seen_.set(k);
    DiskConfig& d = disks_.back();
    auto bad = [&](const std::string& message) { return invalid(name, name + " " + message); };
    const std::string got = std::string("(got ") + kind_name(v.kind) + ")";
    switch (k) {
        case 0:
            if (v.kind != Kind::string) return bad("must be a string " + got);
            d.path = v.text;
            return std::nullopt;
        case 1:
            if (v.kind == Kind::null) return std::nullopt;
            if (v.kind != Kind::string) return bad("must be a string or null " + got);
            if (v.text.empty()) {
                return bad("\"\" is empty (leave it out, or null, for the lowest free disk)");
            }
            d.vdev = v.text;
            return std::nullopt;
        case 2:
            if (v.kind != Kind::boolean) return bad("must be true or false " + got);
            d.read_only = v.truth;
            return std::nullopt;
        default:
            break;
    }
    uint64_t& out = k == 3 ? d.bytes_per_sec : d.ops_per_sec;
    const std::string number = v.text.substr(0, 64);
    if (v.kind == Kind::fraction) return bad(number + " is not an integer");
    if (v.kind != Kind::integer) {
        return bad("must be a non-negative integer (0 or absent: unlimited) " + got);
    }
    if (v.negative) return bad(number + " is negative (0 or absent: unlimited)");
    if (!v.magnitude) return bad(number + "... does not fit 64 bits");
    out = *v.magnitude;
    return std::nullopt;
}

}  // namespace domus::control::config_detail
