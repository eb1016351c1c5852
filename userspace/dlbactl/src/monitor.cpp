// dlbactl monitor [SVC]: bucket-table changes as dlba.ko multicasts them
#include "dlba/ctl/commands.h"
#include "dlba/ctl/output.h"
#include "dlba/ctl/parse.h"

#include <optional>

namespace dlba::ctl {

// One line per change until interrupted, like `ip monitor`; each line is
// flushed at once so that a pipe or a file sees it when it happens.  A
// named service is checked once (a typo fails at once rather than printing
// nothing), then only its changes are shown.
int monitor_main(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl monitor [SVC]");
    if (!cl.parse(ctx, args))
        return 0;
    auto only = cl.optional_service();
    if (only)
        (void)ctx.backend().service(*only);
    ctx.backend().watch_buckets(
        [&](const BucketChange& c) {
            if (only && c.key != *only)
                return true;
            if (ctx.json())
                output::print_json(ctx.out(), output::bucket_change_json(c));
            else
                output::print_bucket_change(ctx.out(), c);
            ctx.out().flush();
            return static_cast<bool>(ctx.out());
        },
        [&] {
            if (ctx.json())
                output::print_json(ctx.out(), output::changes_lost_json());
            else
                output::print_changes_lost(ctx.out());
            ctx.out().flush();
            return static_cast<bool>(ctx.out());
        });
    return ctx.out() ? 0 : 1;
}

} // namespace dlba::ctl
