#include "smtp/data_terminator.hpp"

#include <cstring>

namespace odmr {

// The byte `distance` places before chunk[position], reaching back into
// the tail of earlier chunks; '\0' before the start of the body.
char DataTerminatorScanner::byte_before(std::string_view chunk, std::size_t position, std::size_t distance) const {
    if (distance <= position) return chunk[position - distance];
    const std::size_t back = distance - position;
    if (back > tail_length_) return '\0';
    return tail_[tail_length_ - back];
}

bool DataTerminatorScanner::terminator_ends_at(std::string_view chunk, std::size_t newline) const {
    if (byte_before(chunk, newline, 1) != '\r' || byte_before(chunk, newline, 2) != '.') return false;

    // The dot must start a line: either the body starts with it, or CRLF
    // comes right before it.
    const std::uint64_t dot_offset = seen_ + newline - 2;
    if (seen_ + newline < 2) return false;
    if (dot_offset == 0) return true;
    return byte_before(chunk, newline, 3) == '\n' && byte_before(chunk, newline, 4) == '\r';
}

std::size_t DataTerminatorScanner::scan(std::string_view chunk) {
    std::size_t position = 0;
    while (position < chunk.size()) {
        const void* found = std::memchr(chunk.data() + position, '\n', chunk.size() - position);
        if (found == nullptr) break;

        const auto newline = static_cast<std::size_t>(static_cast<const char*>(found) - chunk.data());
        if (terminator_ends_at(chunk, newline)) {
            seen_ += newline + 1;
            return newline + 1;
        }
        position = newline + 1;
    }

    // Keep the last four bytes for a terminator split across chunks.
    for (char c : chunk.substr(chunk.size() > 4 ? chunk.size() - 4 : 0)) {
        if (tail_length_ == 4) {
            std::memmove(tail_, tail_ + 1, 3);
            tail_length_ = 3;
        }
        tail_[tail_length_++] = c;
    }
    seen_ += chunk.size();
    return npos;
}

}  // namespace odmr
