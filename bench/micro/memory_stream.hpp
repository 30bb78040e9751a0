// A Stream over bytes in memory, so the codec benchmarks measure parsing
// and copying without a system call per read.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>

#include "smtp/io_error.hpp"
#include "smtp/stream.hpp"

namespace odmr::bench {

class MemoryStream : public Stream {
public:
    // read_some returns at most chunk_size bytes per call, as a socket
    // returns what one segment or one receive buffer held.
    explicit MemoryStream(const std::string& input, std::size_t chunk_size = 64 * 1024)
        : input_(input), chunk_size_(chunk_size) {}

    std::size_t read_some(char* buffer, std::size_t size, Deadline) override {
        if (position_ == input_.size()) throw IoError(IoError::Kind::end_of_file, "end of the input in memory");
        const std::size_t count = std::min({size, chunk_size_, input_.size() - position_});
        std::memcpy(buffer, input_.data() + position_, count);
        position_ += count;
        return count;
    }

    void write_all(std::string_view data, Deadline) override { written_ += data.size(); }
    bool input_pending() override { return position_ < input_.size(); }
    void shutdown_write() override {}
    int input_fd() const override { return -1; }
    int output_fd() const override { return -1; }

    std::size_t written() const { return written_; }

private:
    const std::string& input_;
    std::size_t chunk_size_;
    std::size_t position_ = 0;
    std::size_t written_ = 0;
};

}  // namespace odmr::bench
