#include "smtp/data_terminator.hpp"

#include <gtest/gtest.h>

#include <string>

namespace odmr {
namespace {

// Feeds the body in chunks of the given size and returns where the scanner
// saw the end, counted from the start of the body.
std::size_t end_in_chunks(const std::string& body, std::size_t chunk_size) {
    DataTerminatorScanner scanner;
    for (std::size_t offset = 0; offset < body.size(); offset += chunk_size) {
        const std::size_t found = scanner.scan(std::string_view(body).substr(offset, chunk_size));
        if (found != DataTerminatorScanner::npos) return offset + found;
    }
    return DataTerminatorScanner::npos;
}

TEST(DataTerminatorScanner, FindsEndInEveryChunking) {
    const std::string body = "Subject: x\r\n\r\n..leading dot\r\n.x\r\nlast\r\n.\r\nMAIL FROM:<next>\r\n";
    const std::size_t expected = body.find("\r\n.\r\n") + 5;
    for (std::size_t size = 1; size <= body.size(); ++size) {
        EXPECT_EQ(end_in_chunks(body, size), expected) << "chunk size " << size;
    }
}

TEST(DataTerminatorScanner, EmptyMessageEndsAtOnce) {
    EXPECT_EQ(end_in_chunks(".\r\n", 1), 3u);
    EXPECT_EQ(end_in_chunks(".\r\n", 3), 3u);
}

TEST(DataTerminatorScanner, StuffedDotsDoNotEnd) {
    EXPECT_EQ(end_in_chunks("a\r\n..\r\n.x\r\n", 2), DataTerminatorScanner::npos);
    EXPECT_EQ(end_in_chunks("a\n.\nb\r\n", 1), DataTerminatorScanner::npos);
}

TEST(DataTerminatorScanner, TerminatorSplitAtEveryByte) {
    const std::string terminator = "\r\n.\r\n";
    for (std::size_t split = 1; split < terminator.size(); ++split) {
        DataTerminatorScanner scanner;
        EXPECT_EQ(scanner.scan("line" + terminator.substr(0, split)), DataTerminatorScanner::npos) << "split " << split;
        EXPECT_EQ(scanner.scan(terminator.substr(split) + "QUIT\r\n"), terminator.size() - split) << "split " << split;
    }
}

TEST(DataTerminatorScanner, CountsBytesSeen) {
    DataTerminatorScanner scanner;
    scanner.scan("Subject: x\r\n");
    EXPECT_EQ(scanner.bytes_seen(), 12u);

    scanner.scan("\r\nbody\r\n.\r\nNEXT");
    EXPECT_EQ(scanner.bytes_seen(), 12u + 11u);
}

TEST(DataTerminatorScanner, ResetStartsNextMessage) {
    DataTerminatorScanner scanner;
    EXPECT_EQ(scanner.scan("first\r\n.\r\n"), 10u);

    scanner.reset();
    EXPECT_EQ(scanner.bytes_seen(), 0u);
    EXPECT_EQ(scanner.scan(".\r\n"), 3u);
}

TEST(DataTerminatorScanner, DotInsideLineDoesNotEnd) {
    EXPECT_EQ(end_in_chunks("a.\r\nb\r\n. \r\n", 1), DataTerminatorScanner::npos);
    EXPECT_EQ(end_in_chunks("a\r\n\r.\r\n", 1), DataTerminatorScanner::npos);
}

}  // namespace
}  // namespace odmr
