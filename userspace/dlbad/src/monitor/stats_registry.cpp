#include "monitor/stats_registry.h"

namespace dlba::dlbad {

namespace {
template <class T>
std::shared_ptr<T> get_or_create(std::map<std::string, std::weak_ptr<T>>& map,
                                 const std::string& key)
{
    for (auto it = map.begin(); it != map.end();)
        it = it->second.expired() ? map.erase(it) : std::next(it);
    if (auto it = map.find(key); it != map.end())
        if (auto p = it->second.lock())
            return p;
    auto p = std::make_shared<T>();
    map[key] = p;
    return p;
}
} // namespace

std::shared_ptr<BackendStats> StatsRegistry::backend(const std::string& pool,
                                                     const std::string& addr)
{
    std::lock_guard lock(mutex_);
    return get_or_create(backends_, pool + "/" + addr);
}

std::shared_ptr<ServiceStats> StatsRegistry::service(const std::string& name)
{
    std::lock_guard lock(mutex_);
    return get_or_create(services_, name);
}

} // namespace dlba::dlbad
