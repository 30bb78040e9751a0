// Buffered reading of CRLF-terminated lines with a length limit, plus raw
// access to the buffer for streaming a message body.
#pragma once

#include <cstddef>
#include <string_view>
#include <string>
#include <vector>

#include "smtp/deadline.hpp"
#include "smtp/stream.hpp"

namespace odmr {

struct Line {
    std::string_view text;  // without the line ending; valid until the next read
    bool too_long = false;  // the line exceeded the limit and was discarded
};

class LineReader {
public:
    LineReader(Stream& stream, std::size_t max_line_length);

    // Reads the next line. A line over the limit is read to its end and
    // discarded, and comes back with too_long set, so the caller can answer
    // 500 and go on. Throws IoError on end of file, timeout or failure.
    Line read_line(Deadline deadline);

    void set_max_line_length(std::size_t length) { max_line_length_ = length; }
    std::size_t max_line_length() const { return max_line_length_; }

    // Bytes received but not yet consumed: commands a client pipelined.
    std::size_t buffered() const { return end_ - start_; }

    // True when a whole line is already buffered, so reading it will not
    // wait for the peer.
    bool has_buffered_line() const;

    // True when more input is waiting, in this buffer or in the stream.
    bool input_pending() { return buffered() > 0 || stream_->input_pending(); }

    // Drops what is buffered. Used after STARTTLS, because plaintext that a
    // client pipelined behind it must never be read as encrypted commands.
    void discard_buffered() { start_ = end_ = 0; }

    // Reads from another stream from now on (after a TLS handshake).
    void set_stream(Stream& stream) {
        discard_buffered();
        stream_ = &stream;
    }

    // Raw access for message bodies: what is buffered now (reading more if
    // the buffer is empty), and how much of it the caller used.
    std::string_view peek(Deadline deadline);
    void consume(std::size_t count) { start_ += count; }

private:
    void fill(Deadline deadline);

    Stream* stream_;
    std::size_t max_line_length_;
    std::vector<char> buffer_;
    std::size_t start_ = 0;
    std::size_t end_ = 0;
};

// Buffered writing, so pipelined commands and replies leave in one packet.
class BufferedWriter {
public:
    explicit BufferedWriter(Stream& stream) : stream_(&stream) {}

    void append(std::string_view data) { buffer_.append(data); }

    // Appends data and writes the buffer out once it is large.
    void write(std::string_view data, Deadline deadline);

    void flush(Deadline deadline);
    std::size_t pending() const { return buffer_.size(); }
    void set_stream(Stream& stream) {
        buffer_.clear();
        stream_ = &stream;
    }

private:
    Stream* stream_;
    std::string buffer_;
};

}  // namespace odmr
