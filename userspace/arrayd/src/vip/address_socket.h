#pragma once

#include <memory>
#include <string>

#include "config/array_config.h"

struct mnl_socket;

namespace dlba::arrayd {

// Adds and removes interface addresses over rtnetlink (NETLINK_ROUTE, libmnl): the VIPs a node
// takes over or gives up.  Synchronous requests with acks; failures throw nl::Error with the
// kernel's extack text.  Needs CAP_NET_ADMIN.
class AddressSocket {
public:
    AddressSocket();
    ~AddressSocket();
    AddressSocket(const AddressSocket&) = delete;
    AddressSocket& operator=(const AddressSocket&) = delete;

    // RTM_NEWADDR (create or replace; IPv6 without duplicate address detection, usable at once).
    void add(unsigned ifindex, const VipAddress& address);
    // RTM_DELADDR; an address that is not there is not an error.  Returns whether it was there.
    bool remove(unsigned ifindex, const VipAddress& address);

private:
    struct Closer {
        void operator()(mnl_socket* sock) const noexcept;
    };
    void request(int type, unsigned flags, unsigned ifindex, const VipAddress& address);

    std::unique_ptr<mnl_socket, Closer> sock_;
    unsigned portid_ = 0;
    unsigned seq_ = 0;
};

// The interface's index; throws std::system_error naming it when there is none.
unsigned interface_index(const std::string& name);

} // namespace dlba::arrayd
