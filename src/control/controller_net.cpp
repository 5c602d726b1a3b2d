// Domain networking in the controller: NIC addresses at create and PATCH, the bridge (made on
// the first start of a domain with a NIC, so a daemon whose domains have none never touches
// the host's interfaces), each running domain's TAP devices, and their counters.
#include <sys/random.h>

#include "control/controller_internal.hpp"
#include "control/domain_config_nics.hpp"
#include "domus/abi/boot_info.h"
#include "hostnet/host_links.hpp"
#include "hostnet/nat_rules.hpp"
#include "vmm/nic_spec.hpp"

namespace domus::control {

static_assert(kMaxDomainNics == vmm::kMaxNics, "the config's NIC limit is the monitor's");

namespace {

uint32_t random_u32() {
    uint32_t r = 0;
    while (::getrandom(&r, sizeof r, 0) != sizeof r) {
    }
    return r;
}

}  // namespace

std::string ControllerImpl::tap_name(const DomainRecord& rec, size_t i) const {
    const NicConfig& n = rec.config.nics[i];
    return n.vifname.empty() ? "vif" + std::to_string(rec.id) + "." + std::to_string(i) : n.vifname;
}

std::string ControllerImpl::tap_owner(const DomainRecord& rec) const {
    // The alias domusd gives its TAPs: only a TAP with it is ever removed (IFALIASZ is 256).
    return ("domusd domain " + std::to_string(rec.id) + " " + options_.state_dir).substr(0, 255);
}

Result<hostnet::Netlink*> ControllerImpl::netlink_locked() {
    if (!netlink_) {
        auto nl = hostnet::Netlink::open();
        if (!nl) return nl.error();
        netlink_.emplace(std::move(*nl));
    }
    return &*netlink_;
}

ApiResult<std::vector<NicConfig>> ControllerImpl::assign_nics_locked(
    const std::vector<NicConfig>& nics, int64_t self_id, const std::vector<NicConfig>& previous) {
    AddressesInUse used;
    for (const DomainRecord& r : table_->list()) {
        if (r.id == self_id) continue;
        for (const NicConfig& n : r.config.nics) {
            if (auto ip = hostnet::parse_ipv4(n.ip); ip.ok()) used.ips.insert(ip.value->value);
            if (auto mac = hostnet::parse_mac(n.mac); mac.ok()) used.macs.insert(*mac.value);
        }
    }
    auto a = assign_nic_addresses(options_.network, nics, previous, std::move(used), random_u32);
    if (!a.ok) return api_error(400, "invalid_field", a.error.message, a.error.field);
    return std::move(a.nics);
}

ApiResult<ControllerImpl::NicPlan> ControllerImpl::setup_nics(const DomainRecord& rec) {
    NicPlan plan;
    plan.cmdline = rec.config.cmdline;
    if (rec.config.nics.empty()) return plan;
    const std::string failed = "domain '" + rec.config.name + "' failed to start: ";
    const NetworkOptions& net = options_.network;
    // The addresses may no longer fit the daemon's network (its settings changed).
    {
        std::lock_guard nl(net_mu_);
        auto checked = assign_nics_locked(rec.config.nics, rec.id, rec.config.nics);
        if (!checked.ok()) {
            ApiError e = checked.error();
            e.message = failed + e.message;
            return e;
        }
    }
    plan.cmdline = add_kernel_param(rec.config.cmdline,
                                    ip_kernel_param(net, rec.config.nics[0].ip, rec.config.name));
    if (plan.cmdline.size() >= DOMUS_CMDLINE_MAX) {
        return api_error(400, "invalid_field",
                         failed + "the command line with the network's ip= parameter is " +
                             std::to_string(plan.cmdline.size()) + " bytes, over the limit of " +
                             std::to_string(DOMUS_CMDLINE_MAX - 1),
                         "cmdline");
    }
    std::lock_guard nl_lock(net_mu_);
    auto nl = netlink_locked();
    if (!nl) return api_error(503, "unavailable", failed + nl.error().message);
    if (!bridge_ready_) {
        if (auto st = hostnet::ensure_bridge(**nl, net.bridge, net.gateway, net.subnet.prefix);
            !st) {
            return api_error(503, "unavailable", failed + st.error().message);
        }
        if (auto st = hostnet::apply_nat(net.nat, net.subnet, net.bridge); !st) {
            return api_error(
                503, "unavailable",
                failed + "NAT " + (net.nat ? "on" : "off") + ": " + st.error().message);
        }
        bridge_ready_ = true;
    }
    const std::string owner = tap_owner(rec);
    for (size_t i = 0; i < rec.config.nics.size(); ++i) {
        const NicConfig& n = rec.config.nics[i];
        const std::string tap = tap_name(rec, i);
        if (auto st = hostnet::add_tap(**nl, tap, net.bridge, owner, options_.tun_path.c_str());
            !st) {
            for (size_t j = 0; j < i; ++j) (void)hostnet::remove_tap(**nl, tap_name(rec, j), owner);
            const Errc code = st.error().code;
            return api_error(code == Errc::invalid_argument ? 409 : 503,
                             code == Errc::invalid_argument ? "conflict" : "unavailable",
                             failed + "nics[" + std::to_string(i) + "]: " + st.error().message,
                             "nics[" + std::to_string(i) + "]");
        }
        vmm::NicSpec spec;
        spec.tap = tap;
        if (auto mac = hostnet::parse_mac(n.mac); mac.ok()) {
            std::copy(mac.value->begin(), mac.value->end(), spec.mac.begin());
            spec.mac_given = true;
        }
        spec.rx_bytes_per_sec = n.rx_bytes_per_sec;
        spec.tx_bytes_per_sec = n.tx_bytes_per_sec;
        plan.net_args.push_back(vmm::format_nic_option(spec));
    }
    return plan;
}

void ControllerImpl::teardown_nics(const DomainRecord& rec) {
    if (rec.config.nics.empty()) return;
    std::lock_guard nl_lock(net_mu_);
    auto nl = netlink_locked();
    if (!nl) return;
    const std::string owner = tap_owner(rec);
    for (size_t i = 0; i < rec.config.nics.size(); ++i) {
        (void)hostnet::remove_tap(**nl, tap_name(rec, i), owner);
    }
}

std::vector<NicView> ControllerImpl::nic_views(const DomainRecord& rec) const {
    std::vector<NicView> out;
    for (size_t i = 0; i < rec.config.nics.size(); ++i) {
        NicView v;
        v.tap = tap_name(rec, i);
        v.bridge =
            rec.config.nics[i].bridge.empty() ? options_.network.bridge : rec.config.nics[i].bridge;
        out.push_back(std::move(v));
    }
    return out;
}

void ControllerImpl::read_nic_counters(const DomainRecord& rec, std::vector<NicView>& views) {
    if (!is_live(rec.state) || views.empty()) return;
    std::lock_guard nl_lock(net_mu_);
    auto nl = netlink_locked();
    if (!nl) return;
    for (NicView& v : views) {
        auto link = (*nl)->link(v.tap);
        if (!link || !*link || !(*link)->stats) continue;
        // The TAP's receive side is what the guest sent, and the other way round.
        const hostnet::nl::LinkStats& s = *(*link)->stats;
        v.present = true;
        v.rx_bytes = s.tx_bytes;
        v.rx_packets = s.tx_packets;
        v.tx_bytes = s.rx_bytes;
        v.tx_packets = s.rx_packets;
    }
}

NetworkView ControllerImpl::network_view() {
    NetworkView v;
    v.bridge = options_.network.bridge;
    v.subnet = hostnet::format_subnet(options_.network.subnet);
    v.gateway = hostnet::format_ipv4(options_.network.gateway);
    v.nat = options_.network.nat;
    std::lock_guard nl_lock(net_mu_);
    v.bridge_up = bridge_ready_;
    return v;
}

}  // namespace domus::control
