// dlbactl stats [SVC]
#include "dlba/ctl/commands.h"
#include "dlba/ctl/output.h"
#include "dlba/ctl/parse.h"

namespace dlba::ctl {

int stats_main(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl stats [SVC]");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(0, 1, "SVC");
    if (cl.words().empty()) {
        GlobalStats g = ctx.backend().stats();
        if (ctx.json())
            output::print_json(ctx.out(), output::global_stats_json(g));
        else
            output::print_stats(ctx.out(), g.stats, g.services);
        return 0;
    }
    ServiceInfo s = ctx.backend().service(parse_service(cl.words()[0]));
    if (ctx.json())
        output::print_json(ctx.out(), output::service_stats_json(s));
    else
        output::print_stats(ctx.out(), s.stats, std::nullopt);
    return 0;
}

} // namespace dlba::ctl
