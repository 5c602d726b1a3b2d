// The JSON "exec" object as the configuration parser's SAX handler meets it: its fields and the
// members of its "args" array, each checked as it arrives, then the whole program (check_exec).
// Private to domain_config_json*.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "control/domain_config.hpp"

namespace domus::control::config_detail {

class JsonExec {
  public:
    void begin();  // "exec": { ... starts
    // A field of the exec object (a container arrives with its kind only: "args" opens the
    // argument list, any other is refused).
    std::optional<ConfigError> field(std::string_view key, const RawValue& value);
    // A member of the "args" array (containers with their kind only); nothing outside it.
    std::optional<ConfigError> arg(const RawValue& value);
    void end_container() { in_args_ = false; }  // a container inside the exec object closed
    // The object closed: the program is required; the whole setting is checked.
    std::optional<ConfigError> end(DomainConfigPatch& patch);

  private:
    std::bitset<4> seen_;  // program, args, with_busybox, overlay
    bool in_args_ = false;
    size_t args_seen_ = 0;
    ExecConfig exec_;
};

}  // namespace domus::control::config_detail
