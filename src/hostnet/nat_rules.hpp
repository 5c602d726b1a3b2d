// NAT for the domains' subnet: an nftables table of its own (ip domus) with one masquerade
// rule for traffic from the subnet leaving through any interface but the bridge. Applied and
// removed with nft(8) (an argument vector and the rules on its standard input, never a shell).
#pragma once

#include <string>

#include "base/result.hpp"
#include "hostnet/addresses.hpp"

namespace domus::hostnet {

inline constexpr const char* kNatTable = "domus";

// The nft script that (re)creates the table: flushes what a previous daemon left first.
std::string nat_ruleset(const Subnet& subnet, const std::string& bridge);

// Runs nft with `script` on its standard input; the error carries nft's own message.
// `nft_path` exists for tests.
Status run_nft(const std::string& script, const std::string& nft_path = "nft");

// NAT on: the ruleset plus net.ipv4.ip_forward = 1 (of this network namespace). Off: the table
// removed if present.
Status apply_nat(bool on, const Subnet& subnet, const std::string& bridge);

}  // namespace domus::hostnet
