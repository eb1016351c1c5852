#include "dlba/config/suggest.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace dlba::config {

namespace {

char fold(char c)
{
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::size_t allowed_edits(std::size_t length)
{
    if (length <= 4)
        return 1;
    if (length <= 8)
        return 2;
    return 3;
}

} // namespace

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    // Three rows of the dynamic programming table: two back for the transposition.
    const std::size_t n = b.size();
    std::vector<std::size_t> before(n + 1);
    std::vector<std::size_t> prev(n + 1);
    std::vector<std::size_t> cur(n + 1);
    for (std::size_t j = 0; j <= n; ++j)
        prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= n; ++j) {
            std::size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
                fold(a[i - 2]) == fold(b[j - 1]))
                cur[j] = std::min(cur[j], before[j - 2] + 1);
        }
        std::swap(before, prev);
        std::swap(prev, cur);
    }
    return prev[n];
}

std::optional<std::string> closest(std::string_view word,
                                   std::span<const std::string_view> candidates)
{
    if (word.empty())
        return std::nullopt;
    std::size_t limit = std::min(allowed_edits(word.size()), word.size() - 1);
    std::optional<std::string> best;
    std::size_t best_distance = limit + 1;
    for (auto c : candidates) {
        auto d = edit_distance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = std::string(c);
        }
    }
    return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates)
{
    auto c = closest(word, candidates);
    return c ? " (did you mean '" + *c + "'?)" : std::string();
}

} // namespace dlba::config
