#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dlba/nl/genl_socket.h"
#include <dlba/event/event_handler.h>

struct nlmsghdr;

namespace dlba {
class EventLoop;
}

namespace dlba::arrayd {

// What a generic netlink controller notification says of family `name`: true when it was
// registered (CTRL_CMD_NEWFAMILY), false when it went away (CTRL_CMD_DELFAMILY), nullopt for
// anything else (another family, a multicast group's notice, not the controller).
[[nodiscard]] std::optional<bool> family_event(const nlmsghdr* nlh, std::string_view name);

// Follows the generic netlink controller's "notify" group in the event loop and calls `changed`
// when family `name` goes away or is registered again: a module unloaded and loaded again has
// new family and group ids and none of its old subscribers (BucketRelay, SyncReplica).  When the
// kernel dropped notices (ENOBUFS) it calls changed(true): whether the family came back is not
// known, so it is resolved again.
class FamilyWatch final : public EventHandler {
public:
    using Changed = std::function<void(bool present)>;

    // Throws nl::Error when the controller's group cannot be joined.
    FamilyWatch(EventLoop& loop, std::string name, Changed changed);
    ~FamilyWatch() override;
    FamilyWatch(const FamilyWatch&) = delete;
    FamilyWatch& operator=(const FamilyWatch&) = delete;

    void on_events(std::uint32_t events) override;

private:
    EventLoop& loop_;
    std::string name_;
    Changed changed_;
    nl::GenlSocket sock_;
};

} // namespace dlba::arrayd
