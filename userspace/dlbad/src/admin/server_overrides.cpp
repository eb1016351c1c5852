#include "admin/server_overrides.h"

namespace dlba::dlbad {

AdminState server_state(const ServerConfig& s) noexcept
{
    if (s.maintenance)
        return AdminState::Maint;
    return s.enabled ? AdminState::Ready : AdminState::Drain;
}

namespace {

template <class C>
auto* find_in(C& config, const std::string& backend, std::uint32_t key)
{
    decltype(&config.backends.front().servers.front()) none = nullptr;
    for (auto& b : config.backends)
        if (b.name == backend)
            for (auto& s : b.servers)
                if (s.key == key)
                    return &s;
    return none;
}

void set(ServerConfig& s, AdminState state)
{
    s.enabled = state == AdminState::Ready;
    s.maintenance = state == AdminState::Maint;
}

} // namespace

const ServerConfig* find_server(const Config& config, const std::string& backend, std::uint32_t key)
{
    return find_in(config, backend, key);
}

void ServerOverrides::set_state(const Config& file, const Key& key, AdminState state)
{
    const auto* s = find_server(file, key.first, key.second);
    if (!s)
        return;
    auto& e = entries_[key];
    if (server_state(*s) == state)
        e.state.reset();
    else
        e.state = state;
    if (!e.state && !e.weight)
        entries_.erase(key);
}

void ServerOverrides::set_weight(const Config& file, const Key& key, std::uint32_t weight)
{
    const auto* s = find_server(file, key.first, key.second);
    if (!s)
        return;
    auto& e = entries_[key];
    if (s->weight == weight)
        e.weight.reset();
    else
        e.weight = weight;
    if (!e.state && !e.weight)
        entries_.erase(key);
}

Config ServerOverrides::apply(Config file) const
{
    for (const auto& [key, e] : entries_) {
        auto* s = find_in(file, key.first, key.second);
        if (!s)
            continue;
        if (e.state)
            set(*s, *e.state);
        if (e.weight)
            s->weight = *e.weight;
    }
    return file;
}

std::vector<std::string> ServerOverrides::rebase(const Config& old_file, const Config& new_file)
{
    std::vector<std::string> dropped;
    for (auto it = entries_.begin(); it != entries_.end();) {
        const auto& [key, e] = *it;
        auto name = key.first + "/" + std::to_string(key.second);
        const auto* before = find_server(old_file, key.first, key.second);
        const auto* after = find_server(new_file, key.first, key.second);
        if (!after || !before) {
            dropped.push_back(name + ": no longer configured, its runtime change is dropped");
            it = entries_.erase(it);
            continue;
        }
        if (e.state && server_state(*before) != server_state(*after)) {
            dropped.push_back(name + ": state " + state_name(*e.state) +
                              " dropped, the file now says " + state_name(server_state(*after)));
            it->second.state.reset();
        }
        if (e.weight && before->weight != after->weight) {
            dropped.push_back(name + ": weight " + std::to_string(*e.weight) +
                              " dropped, the file now says " + std::to_string(after->weight));
            it->second.weight.reset();
        }
        // Equal to the new file's value: nothing left to override.
        if (it->second.state && *it->second.state == server_state(*after))
            it->second.state.reset();
        if (it->second.weight && *it->second.weight == after->weight)
            it->second.weight.reset();
        if (!it->second.state && !it->second.weight)
            it = entries_.erase(it);
        else
            ++it;
    }
    return dropped;
}

} // namespace dlba::dlbad
