// Counting lines of interest in the logs that tests read.
#pragma once

#include <cstddef>
#include <string>

namespace odmr::test {

// Counts the places where part occurs in text; overlapping places count
// once each.
inline std::size_t count_occurrences(const std::string& text, const std::string& part) {
    std::size_t found = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++found;
    return found;
}

}  // namespace odmr::test
