#pragma once

#include <string>

namespace dlba {

// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET ("READY=1", "RELOADING=1",
// "STOPPING=1", "STATUS=...").  A no-op when not started by systemd with Type=notify.
class SystemdNotifier {
public:
    static void notify(const std::string& state);
};

} // namespace dlba
