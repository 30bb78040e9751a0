// Helpers shared by the fuzz targets: a repeatable pseudo-random choice
// drawn from the input itself, and an in-memory Stream that hands the input
// out in reads of those chosen sizes. Deriving the choices from the bytes
// keeps every seed file plain text (a real SMTP transcript stays readable)
// while each mutation still changes where the reads split the lines.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "smtp/io_error.hpp"
#include "smtp/stream.hpp"

namespace odmr::fuzz {

// splitmix64, seeded with the FNV-1a hash of the input.
class InputRandom {
public:
    explicit InputRandom(std::string_view input) {
        state_ = 14695981039346656037ULL;
        for (const unsigned char byte : input) {
            state_ ^= byte;
            state_ *= 1099511628211ULL;
        }
    }

    std::uint64_t next() {
        state_ += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    // A number from low to high, both included.
    std::size_t between(std::size_t low, std::size_t high) { return low + next() % (high - low + 1); }

private:
    std::uint64_t state_;
};

// Returns the input in reads of 1 to max_read_size bytes, chosen by random,
// then end of file. Writes are kept, for targets that check replies.
class ChunkedStream : public Stream {
public:
    ChunkedStream(std::string_view input, InputRandom& random, std::size_t max_read_size)
        : input_(input), random_(random), max_read_size_(max_read_size) {}

    std::size_t read_some(char* buffer, std::size_t size, Deadline) override {
        if (position_ == input_.size()) throw IoError(IoError::Kind::end_of_file, "end of the fuzz input");

        const std::size_t read_size = random_.between(1, max_read_size_);
        const std::size_t count = std::min({size, read_size, input_.size() - position_});
        std::memcpy(buffer, input_.data() + position_, count);
        position_ += count;
        return count;
    }

    void write_all(std::string_view data, Deadline) override { written_ += data; }
    bool input_pending() override { return position_ < input_.size(); }
    void shutdown_write() override {}
    int input_fd() const override { return -1; }
    int output_fd() const override { return -1; }

    const std::string& written() const { return written_; }

private:
    std::string_view input_;
    InputRandom& random_;
    std::size_t max_read_size_;
    std::size_t position_ = 0;
    std::string written_;
};

// True when every byte is printable ASCII, as text bound for a log line or
// a reply must be after odmr::printable.
inline bool is_printable_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// Aborts with the message when condition is false. libFuzzer treats the
// abort as a crash and saves the input that broke the invariant.
inline void require(bool condition, std::string_view message) {
    if (condition) return;
    std::fprintf(stderr, "invariant broken: %.*s\n", static_cast<int>(message.size()), message.data());
    std::abort();
}

}  // namespace odmr::fuzz
