#pragma once

// Smooth weighted round robin among the servers a scheduler found equally good: the interleaving
// nginx's upstream round robin produces (weights 5:1:1 give a a b a c a a, not a a a a a b c).
// Each pick adds every candidate's weight to its credit, takes the candidate with the most
// credit (the first of equals) and takes the candidates' total weight off its credit; over a run
// of picks among the same candidates each gets exactly its weight's share of every
// sum-of-weights picks.  The credits are state: one object per worker thread, never shared, so
// no lock and no atomic (dlbad's ServiceScheduler keeps one per worker).

#include <dlbad/server_state.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dlba::dlbad {

class WeightedRoundRobin {
public:
    // One of the servers whose index satisfies `tied` (at least one must, each with weight > 0).
    template <class Tied>
    [[nodiscard]] std::size_t pick(std::span<const ServerState> servers, Tied&& tied)
    {
        if (credit_.size() != servers.size())
            credit_.assign(servers.size(), 0);
        std::int64_t total = 0;
        std::size_t best = servers.size();
        for (std::size_t i = 0; i < servers.size(); ++i) {
            if (!tied(i))
                continue;
            credit_[i] += servers[i].weight;
            total += servers[i].weight;
            if (best == servers.size() || credit_[i] > credit_[best])
                best = i;
        }
        return settle(best, total);
    }

    // The credits start again from zero (tests; a pool of another size does it by itself).
    void reset() noexcept;

private:
    std::size_t settle(std::size_t best, std::int64_t total) noexcept;

    std::vector<std::int64_t> credit_; // per server index
};

} // namespace dlba::dlbad
