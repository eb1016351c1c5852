// EventLoop ordering: heavy work (TLS handshakes) never holds up the ready events of other
// connections for more than one item.
#include <gtest/gtest.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <dlba/unique_fd.h>

#include "event_handler.h"
#include "event_loop.h"

namespace dlba::dlbad {
namespace {

// An eventfd registered with the loop: ready() makes it readable, onEvents() logs and drains it.
class Ready final : public EventHandler {
public:
    Ready(EventLoop& loop, std::vector<std::string>& log) : loop_(loop), log_(log), fd_(::eventfd(0, EFD_NONBLOCK))
    {
        loop_.add(fd_.get(), EPOLLIN | EPOLLET, this);
    }
    ~Ready() override { loop_.remove(fd_.get()); }
    void ready()
    {
        std::uint64_t one = 1;
        ASSERT_EQ(::write(fd_.get(), &one, sizeof(one)), static_cast<ssize_t>(sizeof(one)));
    }
    void onEvents(std::uint32_t) override
    {
        std::uint64_t v;
        while (::read(fd_.get(), &v, sizeof(v)) > 0) {
        }
        log_.push_back("event");
    }

private:
    EventLoop& loop_;
    std::vector<std::string>& log_;
    UniqueFd fd_;
};

TEST(EventLoop, HeavyWorkRunsAfterTheBatchOneAtATime)
{
    EventLoop loop;
    std::vector<std::string> log;
    Ready conn(loop, log);
    loop.post([&] {
        // Three heavy items queued at once (a burst of new handshakes) and deferred work.
        for (const char* name : {"heavy1", "heavy2", "heavy3"}) {
            loop.heavy([&, name] {
                log.push_back(name);
                conn.ready(); // an established connection's request arrives meanwhile
                if (std::string(name) == "heavy3")
                    loop.stop();
            });
        }
        loop.defer([&] { log.push_back("deferred"); });
        log.push_back("posted");
    });
    loop.run();
    // The deferred work of the batch first; then between two heavy items the loop looks at the
    // ready events again, so the request that arrived during heavy1 is served before heavy2.
    const std::vector<std::string> want{"posted", "deferred", "heavy1", "event", "heavy2", "event", "heavy3"};
    EXPECT_EQ(log, want);
}

TEST(EventLoop, PendingHeavyWorkDoesNotWaitForEvents)
{
    // With heavy work queued and nothing ready, epoll_wait must not block until a timer.
    EventLoop loop;
    int ran = 0;
    loop.post([&] {
        for (int i = 0; i < 5; ++i)
            loop.heavy([&] {
                if (++ran == 5)
                    loop.stop();
            });
    });
    const auto t0 = EventLoop::Clock::now();
    loop.run();
    EXPECT_EQ(ran, 5);
    EXPECT_LT(EventLoop::Clock::now() - t0, std::chrono::milliseconds(500));
}

} // namespace
} // namespace dlba::dlbad
