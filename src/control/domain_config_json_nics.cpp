// The members and fields of the JSON "nics" array, checked one by one.
#include "control/domain_config_json_nics.hpp"

#include <iterator>

#include "control/domain_config_json_disks.hpp"
#include "hostnet/addresses.hpp"

namespace domus::control::config_detail {
namespace {

using Kind = RawValue::Kind;

constexpr std::string_view kKeys[] = {
    "mac", "ip", "bridge", "vifname", "rx_bytes_per_sec", "tx_bytes_per_sec"};

ConfigError invalid(std::string field, std::string message) {
    return ConfigError{std::move(field), std::move(message), 0, ConfigErrorKind::invalid_field};
}

}  // namespace

void JsonNics::begin() {
    items_ = 0;
    in_nic_ = false;
    nics_.clear();
}

std::string JsonNics::item_name() const {
    return "nics[" + std::to_string(items_ - 1) + "]";
}

std::optional<ConfigError> JsonNics::item(Kind kind) {
    ++items_;
    in_nic_ = false;
    if (items_ > kMaxDomainNics) {
        return invalid("nics", "nics has more than " + std::to_string(kMaxDomainNics) +
                                   " entries: a domain has at most " +
                                   std::to_string(kMaxDomainNics) + " network interfaces");
    }
    if (kind != Kind::object) {
        return invalid(item_name(),
                       item_name() + " must be an object (got " + kind_name(kind) + ")");
    }
    nics_.emplace_back();
    seen_.reset();
    in_nic_ = true;
    return std::nullopt;
}

std::optional<ConfigError> JsonNics::field(std::string_view key, const RawValue& v) {
    if (!in_nic_) return std::nullopt;
    size_t k = 0;
    while (k < std::size(kKeys) && kKeys[k] != key) ++k;
    const std::string item = item_name();
    std::string name = item + "." + shown_key(key);
    if (name.size() > 70) name = name.substr(0, 67) + "...";
    if (key == "tap") {
        return invalid(name, name +
                                 " is read-only: the daemon names the TAP device (vif<id>.<n>); "
                                 "set vifname to choose the name");
    }
    if (k == std::size(kKeys)) {
        return ConfigError{name, "unknown field " + quote(key) + " in " + item, 0,
                           ConfigErrorKind::unknown_field};
    }
    if (seen_.test(k)) return invalid(name, "field " + quote(key) + " appears twice in " + item);
    seen_.set(k);
    NicConfig& n = nics_.back();
    auto bad = [&](const std::string& message) { return invalid(name, name + " " + message); };
    const std::string got = std::string("(got ") + kind_name(v.kind) + ")";
    if (k < 4) {
        if (v.kind == Kind::null) return std::nullopt;
        if (v.kind != Kind::string) return bad("must be a string or null " + got);
        if (v.text.empty()) return bad("\"\" is empty (leave it out, or null, for the default)");
        switch (k) {
            case 0: {
                auto m = hostnet::parse_mac(v.text);
                if (!m.ok()) return invalid(name, name + ": " + m.error);
                n.mac = hostnet::format_mac(*m.value);
                return std::nullopt;
            }
            case 1: {
                auto a = hostnet::parse_ipv4(v.text);
                if (!a.ok()) return invalid(name, name + ": " + a.error);
                n.ip = hostnet::format_ipv4(*a.value);
                return std::nullopt;
            }
            default: {
                const char* what = k == 2 ? "bridge" : "vifname";
                if (auto e = hostnet::interface_name_error(what, v.text); !e.empty()) {
                    return invalid(name, item + "." + e);
                }
                (k == 2 ? n.bridge : n.vifname) = v.text;
                return std::nullopt;
            }
        }
    }
    uint64_t& out = k == 4 ? n.rx_bytes_per_sec : n.tx_bytes_per_sec;
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
