// dlbactl apply -f FILE [--dry-run | --check]
#include "dlba/ctl/commands.h"
#include "dlba/ctl/config_parser.h"
#include "dlba/ctl/output.h"
#include "dlba/ctl/planner.h"
#include "dlba/ctl/usage_error.h"

#include <boost/program_options.hpp>

namespace po = boost::program_options;

namespace dlba::ctl {

int apply_main(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl apply -f FILE [--dry-run | --check]");
    cl.options()("file,f", po::value<std::string>()->value_name("FILE"),
                 "dlba.conf(5) file (- = stdin)")("dry-run,n",
                                                  "print the changes without making them")(
        "check", "only validate the file (no module needed), as before installing it");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(0, 0, "");
    auto path = cl.value("file");
    if (!path)
        throw UsageError("missing -f FILE\nusage: " + cl.usage());
    bool dry_run = cl.flag("dry-run");
    if (dry_run && cl.flag("check"))
        throw UsageError("--dry-run and --check exclude each other");

    // Validate the whole file before touching the kernel.
    Config config = ConfigParser::load(*path);
    if (cl.flag("check")) {
        size_t servers = 0;
        for (const auto& svc : config.services)
            servers += svc.servers.size();
        if (ctx.json())
            output::print_json(
                ctx.out(),
                {{"valid", true}, {"services", config.services.size()}, {"servers", servers}});
        else
            ctx.out() << *path << ": valid (" << config.services.size() << " services, " << servers
                      << " servers)\n";
        return 0;
    }
    Backend& backend = ctx.backend();
    std::vector<Change> plan = Planner::plan(config, backend);

    auto changes = nlohmann::ordered_json::array();
    size_t applied = 0;
    auto report = [&](const Change& c) {
        applied++;
        if (ctx.json())
            changes.push_back(c.to_json());
        else
            ctx.out() << c.describe() << '\n';
    };
    if (dry_run) {
        for (const auto& c : plan)
            report(c);
    } else {
        try {
            Planner::apply(backend, plan, report);
        } catch (...) {
            ctx.out().flush();
            ctx.err() << "dlbactl: apply stopped at '" << plan[applied].describe() << "' after "
                      << applied << " of " << plan.size() << " changes\n";
            throw;
        }
    }
    if (ctx.json())
        output::print_json(ctx.out(), {{"dry_run", dry_run}, {"changes", changes}});
    else if (plan.empty())
        ctx.out() << "nothing to change\n";
    return 0;
}

} // namespace dlba::ctl
