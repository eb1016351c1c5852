// dlbactl flush
#include "dlba/ctl/commands.h"

namespace dlba::ctl {

int flush_main(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl flush");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(0, 0, "");
    ctx.backend().flush();
    return 0;
}

} // namespace dlba::ctl
