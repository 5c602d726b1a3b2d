// Action names, shared by the API routes and the controller (in domus_config, which both link).
#include "control/controller.hpp"

namespace domus::control {

const char* to_string(Action a) {
    switch (a) {
        case Action::start:
            return "start";
        case Action::pause:
            return "pause";
        case Action::unpause:
            return "unpause";
        case Action::shutdown:
            return "shutdown";
        case Action::reboot:
            return "reboot";
        case Action::destroy:
            return "destroy";
    }
    return "?";
}

std::optional<Action> action_from_string(const std::string& s) {
    for (Action a : {Action::start, Action::pause, Action::unpause, Action::shutdown,
                     Action::reboot, Action::destroy}) {
        if (s == to_string(a)) return a;
    }
    return std::nullopt;
}

}  // namespace domus::control
