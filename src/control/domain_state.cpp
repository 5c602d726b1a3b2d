// Domain lifecycle state names as the API and the state store spell them.
#include "control/domain_state.hpp"

namespace domus::control {

const char* to_string(DomainState s) {
    switch (s) {
        case DomainState::stopped:
            return "stopped";
        case DomainState::running:
            return "running";
        case DomainState::paused:
            return "paused";
        case DomainState::shutting_down:
            return "shutting-down";
        case DomainState::crashed:
            return "crashed";
    }
    return "stopped";
}

std::optional<DomainState> state_from_string(std::string_view s) {
    if (s == "stopped") return DomainState::stopped;
    if (s == "running") return DomainState::running;
    if (s == "paused") return DomainState::paused;
    if (s == "shutting-down") return DomainState::shutting_down;
    if (s == "crashed") return DomainState::crashed;
    return std::nullopt;
}

}  // namespace domus::control
