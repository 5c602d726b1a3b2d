// The JSON "disks" array as the configuration parser's SAX handler meets it: array members,
// the fields of each disk object, each checked as it arrives. Private to domain_config_json*.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/domain_config.hpp"

namespace domus::control::config_detail {

class JsonDisks {
  public:
    void begin();  // "disks": [ ... starts
    // A member of the array: an object starts a disk; anything else is refused by index.
    std::optional<ConfigError> item(RawValue::Kind kind);
    std::optional<ConfigError> end_item();  // a disk object closed: its path is required
    // A field of the current disk object (containers arrive with their kind only).
    std::optional<ConfigError> field(std::string_view key, const RawValue& value);
    std::vector<DiskConfig> take() { return std::move(disks_); }

  private:
    std::string item_name() const;

    size_t items_ = 0;      // members so far
    std::bitset<5> seen_;   // path, vdev, read_only, bytes_per_sec, ops_per_sec
    bool in_disk_ = false;  // the current member is a disk object
    std::vector<DiskConfig> disks_;
};

// A key as a field name in an error: as is when short printable ASCII, else escaped.
std::string shown_key(std::string_view key);

}  // namespace domus::control::config_detail
