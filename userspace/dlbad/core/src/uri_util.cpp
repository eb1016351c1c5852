#include <dlbad/header_util.h>
#include <dlbad/uri_util.h>

namespace dlba::dlbad {

std::optional<std::string_view> find_query_param(std::string_view query,
                                                 std::string_view name) noexcept
{
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const std::size_t eq = pair.find('=');
        if (pair.substr(0, eq) == name && !name.empty())
            return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
    return std::nullopt;
}

std::optional<std::string_view> find_path_param(std::string_view path,
                                                std::string_view name) noexcept
{
    if (name.empty())
        return std::nullopt;
    path = path.substr(0, path.find('?'));
    std::size_t pos = 0;
    while ((pos = path.find(';', pos)) != std::string_view::npos) {
        ++pos;
        const std::size_t end = path.find_first_of(";/", pos);
        const std::string_view param =
            path.substr(pos, end == std::string_view::npos ? end : end - pos);
        const std::size_t eq = param.find('=');
        if (eq != std::string_view::npos && iequals(param.substr(0, eq), name))
            return param.substr(eq + 1);
    }
    return std::nullopt;
}

std::string_view origin_form(std::string_view target, std::string& storage)
{
    if (target.empty() || target.front() == '/')
        return target;
    const std::size_t sep = target.find("://");
    if (sep == std::string_view::npos)
        return target;
    const std::string_view rest = target.substr(sep + 3);
    const std::size_t auth_end = rest.find_first_of("/?");
    if (auth_end == std::string_view::npos)
        return "/";
    if (rest[auth_end] == '/')
        return rest.substr(auth_end);
    storage.clear();
    storage += '/';
    storage.append(rest.substr(auth_end));
    return storage;
}

} // namespace dlba::dlbad
