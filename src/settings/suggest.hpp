#pragma once
// "Did you mean": the candidate closest to a mistyped word (a command, an option, an environment
// variable), by edit distance with swapped neighbours counting as one edit.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zc::settings {

// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest `word` when it is near enough to be a typo (at most a third of the word's
// length in edits, at least one); nullopt when none is, or `word` is itself a candidate.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace zc::settings
