// Small string helpers shared by the protocol code: case folding, trimming,
// splitting and making client text safe for a log line.
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace odmr {

std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);
std::string_view trim(std::string_view text);

// Splits on every separator; empty fields are kept.
std::vector<std::string_view> split(std::string_view text, char separator);

// Splits on runs of spaces and tabs; empty fields are dropped.
std::vector<std::string_view> split_words(std::string_view text);

// Returns text that is safe for one log line: the first max_length bytes,
// every byte outside printable ASCII and every backslash written as \xNN,
// and "..." when cut. The result is at most 4 * max_length + 3 long.
std::string printable(std::string_view text, std::size_t max_length = 100);

// Permission bits as ls and stat show them ("0750"), or, not padded, as
// chmod takes them ("750").
std::string octal_mode(unsigned mode, bool padded = true);

// The count and the noun, with "s" added unless the count is 1:
// "1 message", "3 messages". Only for nouns with a regular plural.
std::string count_of(std::size_t count, std::string_view noun);

// Concatenates any streamable values; a stand-in for std::format, which
// GCC 12 lacks.
template <typename... Parts>
std::string concat(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

}  // namespace odmr
