#include "smtp/line_reader.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "smtp/io_error.hpp"
#include "tests/unit/scripted_stream.hpp"

namespace odmr {
namespace {

using test::ScriptedStream;

struct ReadLine {
    std::string text;
    bool too_long = false;

    bool operator==(const ReadLine& other) const = default;
};

std::ostream& operator<<(std::ostream& out, const ReadLine& line) {
    return out << (line.too_long ? "(too long)" : "\"" + line.text + "\"");
}

// Reads lines until the input ends.
std::vector<ReadLine> read_all_lines(LineReader& reader) {
    std::vector<ReadLine> lines;
    while (true) {
        try {
            const Line line = reader.read_line(Deadline::never());
            lines.push_back({std::string(line.text), line.too_long});
        } catch (const IoError& error) {
            if (error.kind() != IoError::Kind::end_of_file) throw;
            return lines;
        }
    }
}

std::vector<ReadLine> read_in_chunks(const std::string& input, std::size_t chunk_size, std::size_t max_line_length) {
    ScriptedStream stream(input, chunk_size);
    LineReader reader(stream, max_line_length);
    return read_all_lines(reader);
}

// A pair of connected UNIX-domain sockets. An FdStream takes over the
// reader end, and the destructor closes the writer end unless a test did.
struct SocketPair {
    int reader_end = -1;
    int writer_end = -1;

    SocketPair() {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) throw std::runtime_error("socketpair failed");
        reader_end = fds[0];
        writer_end = fds[1];
    }
    ~SocketPair() {
        if (writer_end >= 0) close(writer_end);
    }
    void write(const std::string& data) const {
        ASSERT_EQ(::write(writer_end, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    }
    void close_writer() {
        close(writer_end);
        writer_end = -1;
    }
};

TEST(LineReader, CrlfAndBareLfEndLines) {
    const auto lines = read_in_chunks("one\r\ntwo\nthree\r\n\r\n\n", 1000, 100);
    const std::vector<ReadLine> expected{{"one"}, {"two"}, {"three"}, {""}, {""}};
    EXPECT_EQ(lines, expected);
}

TEST(LineReader, CarriageReturnInsideLineIsKept) {
    const auto lines = read_in_chunks("a\rb\r\n", 1000, 100);
    const std::vector<ReadLine> expected{{"a\rb"}};
    EXPECT_EQ(lines, expected);
}

TEST(LineReader, LinesAcrossEveryReadSize) {
    const std::string input = "EHLO client.example\r\nMAIL FROM:<a@example.com>\r\n\r\nRCPT TO:<b@example.com>\nQUIT\r\n";
    const std::vector<ReadLine> expected{
        {"EHLO client.example"}, {"MAIL FROM:<a@example.com>"}, {""}, {"RCPT TO:<b@example.com>"}, {"QUIT"}};
    for (std::size_t size = 1; size <= input.size(); ++size) {
        EXPECT_EQ(read_in_chunks(input, size, 100), expected) << "read size " << size;
    }
}

TEST(LineReader, LineAtLimitIsAccepted) {
    const std::string at_limit(10, 'x');
    const std::vector<ReadLine> expected{{at_limit}, {"next"}};
    for (const std::string ending : {"\r\n", "\n"}) {
        const std::string input = at_limit + ending + "next\r\n";
        for (std::size_t size = 1; size <= input.size(); ++size) {
            EXPECT_EQ(read_in_chunks(input, size, 10), expected) << "read size " << size;
        }
    }
}

TEST(LineReader, LineOverLimitIsTooLong) {
    const std::string over_limit(11, 'x');
    const std::vector<ReadLine> expected{{"", true}, {"next"}};
    for (const std::string ending : {"\r\n", "\n"}) {
        const std::string input = over_limit + ending + "next\r\n";
        for (std::size_t size = 1; size <= input.size(); ++size) {
            EXPECT_EQ(read_in_chunks(input, size, 10), expected) << "read size " << size;
        }
    }
}

TEST(LineReader, LineLongerThanBufferIsDiscarded) {
    // 100000 bytes are more than the reader's buffer holds, so the reader
    // must drop the line's start while it looks for the line's end.
    const std::string input = "first\r\n" + std::string(100000, 'y') + "\r\nafter\r\n";
    const std::vector<ReadLine> expected{{"first"}, {"", true}, {"after"}};
    for (const std::size_t size : {1u, 7u, 4095u, 16384u, 65536u, 200000u}) {
        EXPECT_EQ(read_in_chunks(input, size, 1000), expected) << "read size " << size;
    }
}

TEST(LineReader, SeveralTooLongLinesInARow) {
    const std::string long_line(50, 'z');
    const std::string input = long_line + "\r\n" + long_line + "\n" + "ok\r\n";
    const std::vector<ReadLine> expected{{"", true}, {"", true}, {"ok"}};
    for (std::size_t size = 1; size <= input.size(); ++size) {
        EXPECT_EQ(read_in_chunks(input, size, 20), expected) << "read size " << size;
    }
}

TEST(LineReader, RaisedLimitReadsLongLine) {
    const std::string long_line(30000, 'a');
    ScriptedStream stream(long_line + "\r\nshort\r\n", 1000);
    LineReader reader(stream, 512);
    reader.set_max_line_length(40000);

    const Line line = reader.read_line(Deadline::never());
    EXPECT_FALSE(line.too_long);
    EXPECT_EQ(line.text, long_line);
    EXPECT_EQ(reader.read_line(Deadline::never()).text, "short");
}

TEST(LineReader, EndOfFileInsideLineThrows) {
    ScriptedStream stream("complete\r\npartial", 4);
    LineReader reader(stream, 100);
    EXPECT_EQ(reader.read_line(Deadline::never()).text, "complete");

    try {
        reader.read_line(Deadline::never());
        FAIL() << "a line without its end was returned";
    } catch (const IoError& error) {
        EXPECT_EQ(error.kind(), IoError::Kind::end_of_file);
    }
}

TEST(LineReader, HasBufferedLineAfterPipelinedInput) {
    ScriptedStream stream("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDA", 1000);
    LineReader reader(stream, 100);
    EXPECT_FALSE(reader.has_buffered_line());

    reader.read_line(Deadline::never());
    EXPECT_TRUE(reader.has_buffered_line());

    reader.read_line(Deadline::never());
    EXPECT_FALSE(reader.has_buffered_line());
    EXPECT_EQ(reader.buffered(), 2u);
    EXPECT_EQ(stream.reads(), 1u);
}

TEST(LineReader, BufferedCountsUnreadBytes) {
    ScriptedStream stream("NOOP\r\nQUIT\r\n", 1000);
    LineReader reader(stream, 100);
    reader.read_line(Deadline::never());
    EXPECT_EQ(reader.buffered(), 6u);
    EXPECT_TRUE(reader.input_pending());

    reader.read_line(Deadline::never());
    EXPECT_EQ(reader.buffered(), 0u);
    EXPECT_FALSE(reader.input_pending());
}

TEST(LineReader, PeekReturnsBufferedBodyBytes) {
    ScriptedStream stream("DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n", 1000);
    LineReader reader(stream, 100);
    EXPECT_EQ(reader.read_line(Deadline::never()).text, "DATA");

    EXPECT_EQ(reader.peek(Deadline::never()), "Subject: x\r\n\r\nbody\r\n.\r\n");
    reader.consume(9);
    EXPECT_EQ(reader.peek(Deadline::never()), "x\r\n\r\nbody\r\n.\r\n");
    EXPECT_EQ(stream.reads(), 1u);
}

TEST(LineReader, PeekReadsWhenBufferIsEmpty) {
    ScriptedStream stream("abcdef", 4);
    LineReader reader(stream, 100);
    EXPECT_EQ(reader.peek(Deadline::never()), "abcd");
    reader.consume(4);
    EXPECT_EQ(reader.peek(Deadline::never()), "ef");
    EXPECT_EQ(stream.reads(), 2u);
}

TEST(LineReader, LineAfterConsumedBody) {
    ScriptedStream stream("body bytes\r\n.\r\nQUIT\r\n", 1000);
    LineReader reader(stream, 100);
    const std::string_view body = reader.peek(Deadline::never());
    reader.consume(body.find(".\r\n") + 3);
    EXPECT_EQ(reader.read_line(Deadline::never()).text, "QUIT");
}

TEST(LineReader, DiscardBufferedDropsPipelinedInput) {
    // What a client pipelines behind STARTTLS was sent in plaintext and must
    // not be read as a command of the TLS session.
    ScriptedStream plaintext("STARTTLS\r\nMAIL FROM:<injected@example.com>\r\n", 1000);
    ScriptedStream encrypted("EHLO client.example\r\n", 1000);
    LineReader reader(plaintext, 100);
    EXPECT_EQ(reader.read_line(Deadline::never()).text, "STARTTLS");

    reader.discard_buffered();
    EXPECT_EQ(reader.buffered(), 0u);
    EXPECT_FALSE(reader.has_buffered_line());

    reader.set_stream(encrypted);
    EXPECT_EQ(reader.read_line(Deadline::never()).text, "EHLO client.example");
}

TEST(LineReader, SetStreamDropsBufferedInput) {
    ScriptedStream first("one\r\ntwo\r\n", 1000);
    ScriptedStream second("three\r\n", 1000);
    LineReader reader(first, 100);
    reader.read_line(Deadline::never());

    reader.set_stream(second);
    EXPECT_EQ(reader.read_line(Deadline::never()).text, "three");
}

TEST(LineReader, SocketLinesAndEndOfFile) {
    SocketPair sockets;
    FdStream stream(sockets.reader_end);
    LineReader reader(stream, 100);
    sockets.write("HELO a\r\nNOOP\n");
    sockets.write("QUIT\r\n");
    sockets.close_writer();

    const std::vector<ReadLine> expected{{"HELO a"}, {"NOOP"}, {"QUIT"}};
    EXPECT_EQ(read_all_lines(reader), expected);
}

TEST(LineReader, SocketReadTimesOut) {
    SocketPair sockets;
    FdStream stream(sockets.reader_end);
    LineReader reader(stream, 100);
    sockets.write("no line end yet");

    try {
        reader.read_line(Deadline::after(Milliseconds(50)));
        FAIL() << "a read without a line end returned";
    } catch (const IoError& error) {
        EXPECT_EQ(error.kind(), IoError::Kind::timeout);
    }
}

TEST(BufferedWriter, WritesOnlyOnFlush) {
    ScriptedStream stream("", 1);
    BufferedWriter writer(stream);
    writer.write("250-first\r\n", Deadline::never());
    writer.append("250 second\r\n");
    EXPECT_EQ(stream.written(), "");
    EXPECT_EQ(writer.pending(), 23u);

    writer.flush(Deadline::never());
    EXPECT_EQ(stream.written(), "250-first\r\n250 second\r\n");
    EXPECT_EQ(writer.pending(), 0u);
}

TEST(BufferedWriter, LargeWriteGoesOutAtOnce) {
    ScriptedStream stream("", 1);
    BufferedWriter writer(stream);
    const std::string large(64 * 1024, 'b');
    writer.write(large, Deadline::never());
    EXPECT_EQ(stream.written(), large);
    EXPECT_EQ(writer.pending(), 0u);
}

}  // namespace
}  // namespace odmr
