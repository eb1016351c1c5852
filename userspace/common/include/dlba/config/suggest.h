#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// "did you mean 'timeout'?" for a misspelt configuration key: the closest of the keys valid at that
// place, when it is close enough to be the one meant.
namespace dlba::config {

// Edits (insertion, deletion, substitution, or swap of two neighbouring characters) that turn a
// into b: the optimal string alignment distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, if it is at most 1 edit away for words of up to 4 characters,
// 2 for up to 8, 3 beyond (and fewer edits than the word has characters); the first on a tie.
// Letter case is ignored ("Timeout" suggests "timeout").
std::optional<std::string> closest(std::string_view word,
                                   std::span<const std::string_view> candidates);

// " (did you mean 'X'?)" for the closest candidate, else "".
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

} // namespace dlba::config
