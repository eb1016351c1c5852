#include <dlbad/least_connections_scheduler.h>
#include <dlbad/least_response_time_scheduler.h>
#include <dlbad/scheduler.h>

namespace dlba::dlbad {

std::unique_ptr<Scheduler> make_scheduler(std::string_view name)
{
    if (name == "wlc")
        return std::make_unique<LeastConnectionsScheduler>();
    if (name == "lrt")
        return std::make_unique<LeastResponseTimeScheduler>();
    return nullptr;
}

} // namespace dlba::dlbad
