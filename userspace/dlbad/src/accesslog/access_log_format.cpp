#include "accesslog/access_log_format.h"

#include <charconv>
#include <ctime>
#include <iterator>

namespace dlba::dlbad {

namespace {

struct Name {
    std::string_view name;
    int var; // AccessLogFormat::Var, kept private to the class
};

void append_number(std::string& out, long long v)
{
    char buf[24];
    auto r = std::to_chars(std::begin(buf), std::end(buf), v);
    out.append(buf, r.ptr);
}

void append_unsigned(std::string& out, std::uint64_t v)
{
    char buf[24];
    auto r = std::to_chars(std::begin(buf), std::end(buf), v);
    out.append(buf, r.ptr);
}

// 2026-12-07T15:08:14.123Z
void append_time(std::string& out, std::chrono::system_clock::time_point t)
{
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    // Each worker renders many lines per second: the date part is made once per second.
    thread_local std::time_t cached_secs = -1;
    thread_local char cached[32];
    thread_local std::size_t cached_len = 0;
    if (secs != cached_secs) {
        std::tm tm{};
        ::gmtime_r(&secs, &tm);
        cached_len = std::strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
        cached_secs = secs;
    }
    out.append(cached, cached_len);
    const auto frac = static_cast<int>(ms % 1000);
    out.push_back('.');
    out.push_back(static_cast<char>('0' + frac / 100));
    out.push_back(static_cast<char>('0' + frac / 10 % 10));
    out.push_back(static_cast<char>('0' + frac % 10));
    out.push_back('Z');
}

// Client-controlled text: one line, no quote or backslash unescaped (\xHH).
void append_escaped(std::string& out, std::string_view s)
{
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char c : s) {
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
            out.append("\\x");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
}

void append_or_dash(std::string& out, std::string_view s)
{
    if (s.empty())
        out.push_back('-');
    else
        append_escaped(out, s);
}

} // namespace

AccessLogFormat AccessLogFormat::parse(std::string_view spec)
{
    // Longest names first: %Tq before %T..., %ca before %c..., %st before %s.
    static constexpr Name kNames[] = {
        {"HM", static_cast<int>(Var::Method)},      {"HU", static_cast<int>(Var::Target)},
        {"Tq", static_cast<int>(Var::Tq)},          {"Tw", static_cast<int>(Var::Tw)},
        {"Tc", static_cast<int>(Var::Tc)},          {"Tr", static_cast<int>(Var::Tr)},
        {"Tt", static_cast<int>(Var::Tt)},          {"ca", static_cast<int>(Var::ClientAddr)},
        {"ci", static_cast<int>(Var::ClientIp)},    {"cp", static_cast<int>(Var::ClientPort)},
        {"ft", static_cast<int>(Var::ServiceTls)},  {"sa", static_cast<int>(Var::ServerAddr)},
        {"st", static_cast<int>(Var::Status)},      {"ts", static_cast<int>(Var::Termination)},
        {"ps", static_cast<int>(Var::Persistence)}, {"B", static_cast<int>(Var::BytesOut)},
        {"U", static_cast<int>(Var::BytesIn)},      {"b", static_cast<int>(Var::Backend)},
        {"f", static_cast<int>(Var::Service)},      {"r", static_cast<int>(Var::RequestLine)},
        {"s", static_cast<int>(Var::Server)},       {"t", static_cast<int>(Var::Time)},
    };
    AccessLogFormat f{Private{}};
    f.spec_ = std::string(spec);
    if (spec.empty())
        throw AccessLogFormatError(0, "empty format");
    std::string literal;
    auto flush = [&] {
        if (!literal.empty())
            f.items_.push_back({Var::Literal, std::move(literal)});
        literal.clear();
    };
    for (std::size_t i = 0; i < spec.size();) {
        const auto c = static_cast<unsigned char>(spec[i]);
        if (c < 0x20 || c == 0x7f)
            throw AccessLogFormatError(i, "control character at offset " + std::to_string(i) +
                                              " (a log line is one line)");
        if (c != '%') {
            literal.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        const auto rest = spec.substr(i + 1);
        if (rest.starts_with('%')) {
            literal.push_back('%');
            i += 2;
            continue;
        }
        const Name* found = nullptr;
        for (const auto& n : kNames)
            if (rest.starts_with(n.name)) {
                found = &n;
                break;
            }
        if (!found) {
            const auto shown = rest.substr(0, 2);
            throw AccessLogFormatError(i, rest.empty() ? "lone '%' at the end (%% for a '%')"
                                                       : "unknown variable '%" +
                                                             std::string(shown) + "' at offset " +
                                                             std::to_string(i) + " (%% for a '%')");
        }
        flush();
        const auto var = static_cast<Var>(found->var);
        f.items_.push_back({var, {}});
        if (var == Var::Method || var == Var::Target || var == Var::RequestLine)
            f.needs_request_line_ = true;
        i += 1 + found->name.size();
    }
    flush();
    return f;
}

void AccessLogFormat::render(const AccessRecord& r, std::string& out) const
{
    for (const auto& item : items_) {
        switch (item.var) {
        case Var::Literal:
            out.append(item.text);
            break;
        case Var::Time:
            append_time(out, r.time);
            break;
        case Var::ClientAddr:
            out.append(r.client ? r.client->to_string() : "-");
            break;
        case Var::ClientIp:
            out.append(r.client ? r.client->host() : "-");
            break;
        case Var::ClientPort:
            append_unsigned(out, r.client ? r.client->port() : 0);
            break;
        case Var::Service:
            append_or_dash(out, r.service);
            break;
        case Var::ServiceTls:
            append_or_dash(out, r.service);
            if (r.tls)
                out.push_back('~');
            break;
        case Var::Backend:
            append_or_dash(out, r.backend);
            break;
        case Var::Server:
            if (r.has_server)
                append_unsigned(out, r.server_key);
            else
                out.push_back('-');
            break;
        case Var::ServerAddr:
            out.append(r.has_server && r.server_addr ? r.server_addr->to_string() : "-");
            break;
        case Var::Tq:
            append_number(out, r.tq);
            break;
        case Var::Tw:
            append_number(out, r.tw);
            break;
        case Var::Tc:
            append_number(out, r.tc);
            break;
        case Var::Tr:
            append_number(out, r.tr);
            break;
        case Var::Tt:
            append_number(out, r.tt);
            break;
        case Var::Status:
            if (r.status > 0)
                append_number(out, r.status);
            else
                out.push_back('-');
            break;
        case Var::BytesOut:
            append_unsigned(out, r.bytes_out);
            break;
        case Var::BytesIn:
            append_unsigned(out, r.bytes_in);
            break;
        case Var::Termination:
            out.append(r.termination, 2);
            break;
        case Var::Persistence:
            append_or_dash(out, r.persistence);
            break;
        case Var::Method:
            append_or_dash(out, r.method);
            break;
        case Var::Target:
            append_or_dash(out, r.target);
            break;
        case Var::RequestLine:
            append_or_dash(out, r.method);
            out.push_back(' ');
            append_or_dash(out, r.target);
            break;
        }
    }
}

} // namespace dlba::dlbad
