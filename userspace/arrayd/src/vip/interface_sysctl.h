#pragma once

#include <string>

namespace dlba::arrayd {

// The VIPs of a group live on lo (architecture.md "VIPs answered by dlba-arrayd"); the kernel
// would still answer ARP for them on the group's interface unless that interface has
// net.ipv4.conf.IF.arp_ignore >= 1 (answer only for addresses configured on the interface the
// request came in on).  arp_announce >= 2 keeps the VIP out of the ARP requests the kernel sends
// there (the interface's own address is the sender), so they do not refresh other hosts' entries
// for the VIP either.  Raises the two of `interface` to those values (never lowers them), logs
// what it changed, and returns false (logged as an error) when it could not: the kernel would then
// answer for the VIP even after dlba-arrayd died.  `root` is /proc/sys (tests pass another).
bool prepare_interface(const std::string& interface, const std::string& root = "/proc/sys");

} // namespace dlba::arrayd
