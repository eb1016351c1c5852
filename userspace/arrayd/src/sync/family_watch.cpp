#include "sync/family_watch.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <sys/epoll.h>

#include <exception>

#include "dlba/nl/attrs.h"
#include "dlba/nl/error.h"
#include <dlba/event/event_loop.h>
#include <dlba/process/logger.h>

namespace dlba::arrayd {

std::optional<bool> family_event(const nlmsghdr* nlh, std::string_view name)
{
    if (nlh->nlmsg_type != GENL_ID_CTRL || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
        return std::nullopt;
    const auto* genl = static_cast<const genlmsghdr*>(mnl_nlmsg_get_payload(nlh));
    if (genl->cmd != CTRL_CMD_NEWFAMILY && genl->cmd != CTRL_CMD_DELFAMILY)
        return std::nullopt;
    try {
        auto attrs = nl::Attrs::parse(nlh, GENL_HDRLEN, CTRL_ATTR_MAX);
        if (!attrs.has(CTRL_ATTR_FAMILY_NAME) || attrs.str(CTRL_ATTR_FAMILY_NAME) != name)
            return std::nullopt;
    } catch (const nl::Error&) {
        return std::nullopt;
    }
    return genl->cmd == CTRL_CMD_NEWFAMILY;
}

FamilyWatch::FamilyWatch(EventLoop& loop, std::string name, Changed changed)
    : loop_(loop),
      name_(std::move(name)),
      changed_(std::move(changed))
{
    sock_.join_group(sock_.mcast_group_id("nlctrl", "notify"));
    sock_.set_nonblocking();
    loop_.add(sock_.fd(), EPOLLIN, this);
}

FamilyWatch::~FamilyWatch()
{
    loop_.remove(sock_.fd());
}

void FamilyWatch::on_events(std::uint32_t)
{
    std::optional<bool> last;
    bool lost = false;
    try {
        sock_.read_pending(
            [&](const nlmsghdr* nlh) {
                if (auto e = family_event(nlh, name_))
                    last = e;
            },
            [&] { lost = true; });
    } catch (const std::exception& e) {
        DLBA_LOG(LogLevel::Warning, "watching the generic netlink families: %s", e.what());
        lost = true;
    }
    // Only the last notice counts (an unload and a load read at once: it is back).
    if (lost)
        last = true;
    if (last)
        changed_(*last);
}

} // namespace dlba::arrayd
