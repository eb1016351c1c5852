#pragma once
// What the bucket-table sync's tests share: the services they name, a service added to the
// in-memory dlba.ko of dlbactl's tests, and running the real event loop for a while.
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>

#include "fake_backend.h"
#include <dlba/ctl/types.h>
#include <dlba/event/event_loop.h>
#include <dlba/event/timer.h>

namespace dlba::arrayd::test {

// 198.18.100.LAST:80/tcp.
inline ctl::ServiceKey service_key(std::uint8_t last)
{
    ctl::ServiceKey k;
    k.addr.family = AF_INET;
    k.addr.bytes = {198, 18, 100, last};
    k.port = 80;
    k.proto = IPPROTO_TCP;
    return k;
}

// Service 198.18.100.LAST:80/tcp with a table of 16 buckets and no servers.
inline void add_service(ctl::test::FakeBackend& fake, std::uint8_t last)
{
    ctl::ServiceConfig c;
    c.key = service_key(last);
    c.buckets = 16;
    fake.add_service(c);
}

// Runs `loop` until `d` has passed.
inline void run_for(EventLoop& loop, std::chrono::milliseconds d)
{
    Timer stop([&loop] { loop.stop(); });
    loop.arm(stop, d);
    loop.run();
}

} // namespace dlba::arrayd::test
