// dlbactl stats [SVC] [--rate [--interval SEC] | --zero]
#include "dlba/ctl/commands.h"
#include "dlba/ctl/output.h"
#include "dlba/ctl/parse.h"
#include "dlba/ctl/usage_error.h"

#include "dlba/config/value.h"

#include <boost/program_options.hpp>

#include <chrono>
#include <thread>

namespace po = boost::program_options;

namespace dlba::ctl {

namespace {

Stats read_stats(Context& ctx, const std::optional<ServiceKey>& key)
{
    return key ? ctx.backend().service(*key).stats : ctx.backend().stats().stats;
}

// --rate: two readings INTERVAL apart, the time between them measured (not assumed).
int print_rate(Context& ctx, const std::optional<ServiceKey>& key, std::chrono::milliseconds every)
{
    using Clock = std::chrono::steady_clock;
    const Stats before = read_stats(ctx, key);
    const auto t0 = Clock::now();
    std::this_thread::sleep_for(every);
    const Stats after = read_stats(ctx, key);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const Stats r = output::rates(before, after, seconds);
    if (ctx.json())
        output::print_json(ctx.out(), output::rates_json(r, seconds));
    else
        output::print_rates(ctx.out(), r, seconds);
    return 0;
}

} // namespace

int stats_main(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl stats [SVC] [--rate [--interval SEC] | --zero]");
    cl.options()("rate", "per-second rates over an interval instead of the totals")(
        "interval", po::value<std::string>()->value_name("SEC"),
        "the interval of --rate (default 1s; 100ms to 1h, as 500ms, 2s, 1m)")(
        "zero", "zero the counters (of SVC and its servers, or all) instead of showing them");
    if (!cl.parse(ctx, args))
        return 0;
    auto key = cl.optional_service();
    if (cl.value("interval") && !cl.flag("rate"))
        throw UsageError("--interval goes with --rate\nusage: " + cl.usage());
    if (cl.flag("zero")) {
        // ipvsadm -Z: the counters, not the state (buckets, versions) nor the services.
        if (cl.flag("rate"))
            throw UsageError("--zero and --rate exclude each other\nusage: " + cl.usage());
        ctx.backend().zero_stats(key);
        return 0;
    }
    if (cl.flag("rate")) {
        std::chrono::milliseconds every{1000};
        if (auto v = cl.value("interval")) {
            try {
                every = config::parse_duration(*v, std::chrono::milliseconds{100},
                                               std::chrono::hours{1});
            } catch (const config::ValueError& e) {
                throw UsageError("invalid --interval: " + std::string(e.what()));
            }
        }
        return print_rate(ctx, key, every);
    }
    if (!key) {
        GlobalStats g = ctx.backend().stats();
        if (ctx.json())
            output::print_json(ctx.out(), output::global_stats_json(g));
        else
            output::print_stats(ctx.out(), g.stats, g.services);
        return 0;
    }
    ServiceInfo s = ctx.backend().service(*key);
    if (ctx.json())
        output::print_json(ctx.out(), output::service_stats_json(s));
    else
        output::print_stats(ctx.out(), s.stats, std::nullopt);
    return 0;
}

} // namespace dlba::ctl
