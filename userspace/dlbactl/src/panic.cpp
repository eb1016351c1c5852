// dlbactl panic on|off SVC
#include "dlba/ctl/commands.h"
#include "dlba/ctl/parse.h"
#include "dlba/ctl/usage_error.h"

namespace dlba::ctl {

int panic_main(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl panic on|off SVC");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(2, 2, "on|off and SVC");
    const std::string& word = cl.words()[0];
    if (word != "on" && word != "off")
        throw UsageError("panic takes 'on' or 'off', not '" + word + "'\nusage: " + cl.usage());
    ctx.backend().set_panic(parse_service(cl.words()[1]), word == "on");
    return 0;
}

} // namespace dlba::ctl
