#include "smtp/line_reader.hpp"

#include <algorithm>
#include <cstring>

namespace odmr {

static constexpr std::size_t minimum_buffer_size = 16 * 1024;
static constexpr std::size_t writer_flush_size = 32 * 1024;

LineReader::LineReader(Stream& stream, std::size_t max_line_length)
    : stream_(&stream), max_line_length_(max_line_length), buffer_(minimum_buffer_size) {}

void LineReader::fill(Deadline deadline) {
    if (start_ == end_) {
        start_ = end_ = 0;
    } else if (end_ == buffer_.size()) {
        std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
        end_ -= start_;
        start_ = 0;
    }

    // The buffer grows to hold one line of the current limit, never more.
    const std::size_t wanted = std::max(minimum_buffer_size, max_line_length_ + 2);
    if (end_ == buffer_.size() && buffer_.size() < wanted) buffer_.resize(wanted);

    end_ += stream_->read_some(buffer_.data() + end_, buffer_.size() - end_, deadline);
}

Line LineReader::read_line(Deadline deadline) {
    bool discarding = false;
    std::size_t scanned = 0;  // bytes after start_ already searched for '\n'
    while (true) {
        const char* begin = buffer_.data() + start_ + scanned;
        const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', end_ - start_ - scanned));

        if (newline != nullptr) {
            const std::size_t newline_at = static_cast<std::size_t>(newline - buffer_.data());
            std::size_t length = newline_at - start_;
            if (length > 0 && buffer_[start_ + length - 1] == '\r') --length;

            Line line{std::string_view(buffer_.data() + start_, length), discarding || length > max_line_length_};
            if (line.too_long) line.text = {};
            start_ = newline_at + 1;
            return line;
        }

        // Without a line end within the limit the line is too long: drop
        // what arrived and keep reading until its end.
        if (end_ - start_ > max_line_length_ + 1) {
            discarding = true;
            start_ = end_ = 0;
        }
        scanned = end_ - start_;
        fill(deadline);
    }
}

bool LineReader::has_buffered_line() const {
    return std::memchr(buffer_.data() + start_, '\n', end_ - start_) != nullptr;
}

std::string_view LineReader::peek(Deadline deadline) {
    if (start_ == end_) fill(deadline);
    return std::string_view(buffer_.data() + start_, end_ - start_);
}

void BufferedWriter::write(std::string_view data, Deadline deadline) {
    buffer_.append(data);
    if (buffer_.size() >= writer_flush_size) flush(deadline);
}

void BufferedWriter::flush(Deadline deadline) {
    if (buffer_.empty()) return;
    stream_->write_all(buffer_, deadline);
    buffer_.clear();
}

}  // namespace odmr
