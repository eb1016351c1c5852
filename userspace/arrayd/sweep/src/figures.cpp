#include "dlba/arrayd/sweep/figures.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace dlba::arrayd {

namespace {

using nlohmann::json;

const json& field(const json& obj, const char* name, const char* where)
{
    if (!obj.is_object())
        throw std::runtime_error(std::string(where) + " is not an object");
    auto it = obj.find(name);
    if (it == obj.end())
        throw std::runtime_error(std::string(where) + "." + name + " missing");
    return *it;
}

double number(const json& obj, const char* name, const char* where)
{
    const json& v = field(obj, name, where);
    if (!v.is_number() || v.get<double>() < 0)
        throw std::runtime_error(std::string(where) + "." + name + " is not a figure");
    return v.get<double>();
}

std::uint64_t counter(const json& obj, const char* name, const char* where)
{
    const json& v = field(obj, name, where);
    if (!v.is_number_unsigned())
        throw std::runtime_error(std::string(where) + "." + name + " is not a count");
    return v.get<std::uint64_t>();
}

std::string text(const json& obj, const char* name, const char* where)
{
    const json& v = field(obj, name, where);
    if (!v.is_string())
        throw std::runtime_error(std::string(where) + "." + name + " is not a string");
    return v.get<std::string>();
}

bool flag(const json& obj, const char* name, const char* where)
{
    const json& v = field(obj, name, where);
    if (!v.is_boolean())
        throw std::runtime_error(std::string(where) + "." + name + " is not a boolean");
    return v.get<bool>();
}

const json& array(const json& obj, const char* name)
{
    const json& v = field(obj, name, "document");
    if (!v.is_array())
        throw std::runtime_error(std::string(name) + " is not an array");
    return v;
}

// Response-weighted mean of the back-ends' averages; a back-end with no response yet has no
// average to weigh.
struct WeightedMean {
    double sum = 0;
    double weight = 0;
    void add(double value, std::uint64_t n)
    {
        sum += value * static_cast<double>(n);
        weight += static_cast<double>(n);
    }
    [[nodiscard]] double value() const { return weight > 0 ? sum / weight : 0; }
};

} // namespace

StatusFigures parse_status_document(const json& doc)
{
    if (!doc.is_object())
        throw std::runtime_error("not an object");
    if (counter(doc, "format", "document") != 1)
        throw std::runtime_error("format is not 1");
    StatusFigures out;
    const json& dlbad = field(doc, "dlbad", "document");
    out.open_conns = counter(dlbad, "connections", "dlbad");
    out.generation = counter(dlbad, "generation", "dlbad");
    out.uptime_s = number(dlbad, "uptime_s", "dlbad");

    const json& servers = array(doc, "servers");
    std::vector<std::vector<std::string>> used_by;
    for (const json& s : servers) {
        const json& stats = field(s, "stats", "servers[]");
        BackendFigures b;
        b.backend = text(s, "backend", "servers[]");
        b.id = counter(s, "id", "servers[]");
        b.addr = text(s, "addr", "servers[]");
        std::uint64_t port = counter(s, "port", "servers[]");
        if (port > 65535)
            throw std::runtime_error("servers[].port out of range");
        b.port = static_cast<std::uint16_t>(port);
        b.enabled = flag(s, "enabled", "servers[]");
        b.failed = flag(s, "failed", "servers[]");
        b.avg_resp_time_ms = number(stats, "avg_resp_time_ms", "servers[].stats");
        b.hits = counter(stats, "hits", "servers[].stats");
        b.open_conns = counter(stats, "open_conns", "servers[].stats");
        b.unable_to_connect = counter(stats, "unable_to_connect", "servers[].stats");
        b.responses = counter(stats, "responses", "servers[].stats");
        std::vector<std::string> services;
        if (auto it = s.find("services"); it != s.end() && it->is_array())
            for (const json& name : *it)
                if (name.is_string())
                    services.push_back(name.get<std::string>());
        used_by.push_back(std::move(services));
        out.backends.push_back(std::move(b));
    }

    WeightedMean all;
    for (const auto& b : out.backends) {
        out.hits += b.hits;
        all.add(b.avg_resp_time_ms, b.responses);
    }
    out.avg_resp_time_ms = all.value();

    for (const json& s : array(doc, "services")) {
        const json& stats = field(s, "stats", "services[]");
        ServiceFigures f;
        f.name = text(s, "name", "services[]");
        f.service = text(s, "service", "services[]");
        f.requests = counter(stats, "requests", "services[].stats");
        f.active_connections = counter(stats, "active_connections", "services[].stats");
        WeightedMean mean;
        for (std::size_t i = 0; i < out.backends.size(); ++i)
            for (const auto& name : used_by[i])
                if (name == f.name)
                    mean.add(out.backends[i].avg_resp_time_ms, out.backends[i].responses);
        f.avg_resp_time_ms = mean.value();
        out.services.push_back(std::move(f));
    }
    return out;
}

json figures_json(const StatusFigures& f)
{
    json services = json::array();
    for (const auto& s : f.services)
        services.push_back({{"name", s.name},
                            {"service", s.service},
                            {"avg_resp_time_ms", s.avg_resp_time_ms},
                            {"requests", s.requests},
                            {"active_connections", s.active_connections}});
    json backends = json::array();
    for (const auto& b : f.backends)
        backends.push_back({{"backend", b.backend},
                            {"id", b.id},
                            {"addr", b.addr},
                            {"port", b.port},
                            {"enabled", b.enabled},
                            {"failed", b.failed},
                            {"avg_resp_time_ms", b.avg_resp_time_ms},
                            {"hits", b.hits},
                            {"open_conns", b.open_conns},
                            {"unable_to_connect", b.unable_to_connect},
                            {"responses", b.responses}});
    return {{"avg_resp_time_ms", f.avg_resp_time_ms},
            {"hits", f.hits},
            {"open_conns", f.open_conns},
            {"generation", f.generation},
            {"uptime_s", f.uptime_s},
            {"services", std::move(services)},
            {"servers", std::move(backends)}};
}

} // namespace dlba::arrayd
