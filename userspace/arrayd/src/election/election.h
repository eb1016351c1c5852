#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <dlba/config/value.h>

// Who holds each VIP group: WO 01/69890 "Scheduler Failover", decided by every node alike from the
// same input (the quorate CPG membership and what each member said it holds, delivered in the
// same order everywhere), so no further agreement round is needed.
namespace dlba::arrayd {

struct Candidate {
    std::string name;
    unsigned priority = 0;
    config::IpAddress address;   // physical address: the patent's tie-break
    std::set<std::string> holds; // the VIP groups this member says it holds
};

// The physical addresses compared as numbers (network order; an IPv4 address below any IPv6).
[[nodiscard]] bool address_less(const config::IpAddress& a, const config::IpAddress& b) noexcept;

// True when `a` ranks above `b`: higher priority, then the higher physical address.
[[nodiscard]] bool ranks_above(const Candidate& a, const Candidate& b) noexcept;

// The holder of each group in `groups`, by name; no entry for a group nobody may hold.
//  - Without quorum nobody holds anything.
//  - A member that holds a group keeps it (a returning former holder joins as a standby: no
//    preemption).  Several members claiming one group (partitions merging) keep the best ranked.
//  - Otherwise the best ranked member takes it.
[[nodiscard]] std::map<std::string, std::string>
elect(bool quorate, const std::vector<Candidate>& members, const std::vector<std::string>& groups);

} // namespace dlba::arrayd
