#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "admin/admin_command.h"
#include "config/config.h"

namespace dlba::dlbad {

// A server's state as its configuration says (maintenance implies disabled).
[[nodiscard]] AdminState server_state(const ServerConfig& s) noexcept;

// The changes made through the admin socket, kept apart from the file's configuration so that
// every generation (admin change or SIGHUP reload) is "the file, plus these".  Keyed by backend
// name and server key.  A change back to the file's value removes the entry.
class ServerOverrides {
public:
    struct Entry {
        std::optional<AdminState> state;
        std::optional<std::uint32_t> weight;
    };
    using Key = std::pair<std::string, std::uint32_t>; // backend, server key

    // Record state / weight for the server; `file` is the configuration as the file has it.
    void set_state(const Config& file, const Key& key, AdminState state);
    void set_weight(const Config& file, const Key& key, std::uint32_t weight);

    // `file` with every change applied.
    [[nodiscard]] Config apply(Config file) const;

    // After a reload from `old_file` to `new_file`: a change is kept while its server (backend
    // and key) is still configured and the file left that setting as it was; the others are
    // dropped (the edited file wins).  Returns one line per dropped change, for the log.
    std::vector<std::string> rebase(const Config& old_file, const Config& new_file);

    [[nodiscard]] bool changed(const Key& key) const { return entries_.count(key) > 0; }
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    [[nodiscard]] const std::map<Key, Entry>& entries() const noexcept { return entries_; }

private:
    std::map<Key, Entry> entries_;
};

// The server of `config`, nullptr if there is none.
[[nodiscard]] const ServerConfig* find_server(const Config& config, const std::string& backend,
                                              std::uint32_t key);

} // namespace dlba::dlbad
