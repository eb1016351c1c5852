#include "accesslog/access_log_config.h"

namespace dlba::dlbad {

AccessLogConfig read_access_log(const config::YamlReader& p, const YAML::Node& n)
{
    AccessLogConfig c;
    p.require_map(n, "access_log");
    p.check_keys(n, {"enabled", "target", "format", "sample", "buffer_bytes"}, "access_log");
    c.line = config::YamlReader::line_of(n);
    c.enabled = true;
    p.if_given(n, "enabled",
               [&](const YAML::Node& v) { c.enabled = p.boolean(v, "access_log.enabled"); });
    if (!n["target"])
        p.report(n, "access_log: 'target' is required (syslog, or the absolute path of a file)");
    p.if_given(n, "target", [&](const YAML::Node& v) {
        auto t = p.str(v, "access_log.target");
        if (t == "syslog") {
            c.syslog = true;
        } else if (t.starts_with('/')) {
            c.file = t;
        } else {
            p.fail(v, "access_log.target: '" + t + "' (syslog, or the absolute path of a file)");
        }
    });
    p.if_given(n, "format", [&](const YAML::Node& v) {
        auto spec = p.str(v, "access_log.format");
        try {
            c.format = AccessLogFormat::parse(spec);
        } catch (const AccessLogFormatError& e) {
            p.fail(v, std::string("access_log.format: ") + e.what());
        }
    });
    p.if_given(n, "sample", [&](const YAML::Node& v) {
        c.sample = static_cast<unsigned>(p.unsigned_int(v, "access_log.sample", 1, 1000000));
    });
    p.if_given(n, "buffer_bytes", [&](const YAML::Node& v) {
        c.buffer_bytes = p.size(v, "access_log.buffer_bytes", 4096, std::size_t(256) << 20);
    });
    return c;
}

} // namespace dlba::dlbad
