// The JSON "nics" array as the configuration parser's SAX handler meets it: array members,
// the fields of each NIC object, each checked as it arrives. Private to domain_config_json*.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/domain_config.hpp"

namespace domus::control::config_detail {

class JsonNics {
  public:
    void begin();  // "nics": [ ... starts
    // A member of the array: an object starts a NIC; anything else is refused by index.
    std::optional<ConfigError> item(RawValue::Kind kind);
    // A field of the current NIC object (containers arrive with their kind only).
    std::optional<ConfigError> field(std::string_view key, const RawValue& value);
    std::vector<NicConfig> take() { return std::move(nics_); }

  private:
    std::string item_name() const;

    size_t items_ = 0;     // members so far
    std::bitset<6> seen_;  // mac, ip, bridge, vifname, rx_bytes_per_sec, tx_bytes_per_sec
    bool in_nic_ = false;  // the current member is a NIC object
    std::vector<NicConfig> nics_;
};

}  // namespace domus::control::config_detail
