// The bridge and the TAP devices over rtnetlink.
#include "hostnet/host_links.hpp"

#include "hostnet/tap_device.hpp"

namespace domus::hostnet {

Status ensure_bridge(Netlink& nl, const std::string& name, Ipv4 gateway, int prefix) {
    auto found = nl.link(name);
    if (!found) return found.error();
    if (!*found) {
        if (auto st = nl.execute(nl::new_bridge(name), "creating bridge " + quoted(name)); !st) {
            return st;
        }
        found = nl.link(name);
        if (!found) return found.error();
        if (!*found) {
            return make_error(Errc::io, "bridge " + quoted(name) + " vanished after its creation");
        }
    } else if ((*found)->kind != "bridge") {
        return make_error(Errc::invalid_argument, "interface " + quoted(name) +
                                                      " exists and is not a bridge (kind " +
                                                      quoted((*found)->kind) + ")");
    }
    const int index = (*found)->index;
    if (auto st = nl.execute(nl::new_address(index, gateway, prefix),
                             "giving bridge " + quoted(name) + " the address " +
                                 format_ipv4(gateway) + "/" + std::to_string(prefix));
        !st) {
        return st;
    }
    nl::LinkChange up;
    up.up = true;
    return nl.execute(nl::change_link(index, up), "bringing bridge " + quoted(name) + " up");
}

Status add_tap(Netlink& nl, const std::string& tap, const std::string& bridge,
               const std::string& owner, const char* tun_path) {
    auto br = nl.link(bridge);
    if (!br) return br.error();
    if (!*br) return make_error(Errc::not_found, "bridge " + quoted(bridge) + " does not exist");
    if (auto st = create_persistent_tap(tap, tun_path); !st) return st;
    auto undo = [&](Status st) {
        if (auto made = nl.link(tap); made && *made) {
            (void)nl.execute(nl::delete_link((*made)->index), "removing TAP " + quoted(tap));
        }
        return st;
    };
    auto made = nl.link(tap);
    if (!made) return undo(made.error());
    if (!*made) return make_error(Errc::io, "TAP " + quoted(tap) + " vanished after its creation");
    nl::LinkChange c;
    c.alias = owner;
    c.master = (*br)->index;
    if (auto st = nl.execute(nl::change_link((*made)->index, c),
                             "attaching TAP " + quoted(tap) + " to bridge " + quoted(bridge));
        !st) {
        return undo(st);
    }
    nl::LinkChange up;
    up.up = true;
    if (auto st =
            nl.execute(nl::change_link((*made)->index, up), "bringing TAP " + quoted(tap) + " up");
        !st) {
        return undo(st);
    }
    return {};
}

Result<bool> remove_tap(Netlink& nl, const std::string& tap, const std::string& owner) {
    auto found = nl.link(tap);
    if (!found) return found.error();
    if (!*found || (*found)->kind != "tun" || (*found)->alias != owner) return false;
    if (auto st = nl.execute(nl::delete_link((*found)->index), "removing TAP " + quoted(tap));
        !st) {
        return st.error();
    }
    return true;
}

}  // namespace domus::hostnet
