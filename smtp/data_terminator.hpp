// Finds the "<CRLF>.<CRLF>" that ends a message body, across the chunks in
// which the body arrives. odmr relays bodies that are already dot-stuffed,
// so it copies them through unchanged and only has to see where they end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace odmr {

class DataTerminatorScanner {
public:
    // Scans the next chunk of the body. Returns the number of bytes of this
    // chunk up to and including the terminator, or npos when the body goes
    // on. A body consisting of ".\r\n" alone is an empty message.
    std::size_t scan(std::string_view chunk);

    // Body bytes seen so far, the terminator included once found.
    std::uint64_t bytes_seen() const { return seen_; }

    void reset() {
        seen_ = 0;
        tail_length_ = 0;
    }

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

private:
    bool terminator_ends_at(std::string_view chunk, std::size_t newline) const;
    char byte_before(std::string_view chunk, std::size_t position, std::size_t distance) const;

    std::uint64_t seen_ = 0;
    char tail_[4] = {};  // the last bytes of earlier chunks, newest last
    std::size_t tail_length_ = 0;
};

}  // namespace odmr
