// An in-memory Stream for unit tests of the line codec. It returns a fixed
// input in reads of at most a chosen size, so a test decides exactly where
// the reads split the lines, which a socket does not allow. Writes are
// collected in a string.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "smtp/io_error.hpp"
#include "smtp/stream.hpp"

namespace odmr::test {

class ScriptedStream : public Stream {
public:
    ScriptedStream(std::string input, std::size_t max_read_size)
        : input_(std::move(input)), max_read_size_(max_read_size) {}

    std::size_t read_some(char* buffer, std::size_t size, Deadline) override {
        if (position_ == input_.size()) throw IoError(IoError::Kind::end_of_file, "end of the scripted input");

        const std::size_t count = std::min({size, max_read_size_, input_.size() - position_});
        std::memcpy(buffer, input_.data() + position_, count);
        position_ += count;
        ++reads_;
        return count;
    }

    void write_all(std::string_view data, Deadline) override { written_ += data; }
    bool input_pending() override { return position_ < input_.size(); }
    void shutdown_write() override {}
    int input_fd() const override { return -1; }
    int output_fd() const override { return -1; }

    std::size_t reads() const { return reads_; }
    const std::string& written() const { return written_; }

private:
    std::string input_;
    std::size_t max_read_size_;
    std::size_t position_ = 0;
    std::size_t reads_ = 0;
    std::string written_;
};

}  // namespace odmr::test
