// Compares DataTerminatorScanner, which finds the end of a message body
// across chunks, with a plain search of the whole body, for random
// chunkings of the same bytes and for several bodies in a row. Also checks
// that a dot-stuffed message ends exactly at its own terminator and
// unstuffs to the original text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/data_terminator.hpp"
#include "smtp/dot_stuffing.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

constexpr std::size_t npos = DataTerminatorScanner::npos;

// Where the body ends, as a count of bytes with the terminator: ".\r\n" at
// the very start (an empty message) or the first "\r\n.\r\n".
std::size_t reference_end(std::string_view body) {
    if (body.substr(0, 3) == ".\r\n") return 3;
    const auto found = body.find("\r\n.\r\n");
    return found == std::string_view::npos ? npos : found + 5;
}

// Feeds input to one scanner in random chunks; after each terminator the
// scanner is reset and the rest of the input is the next body.
void check_chunked(std::string_view input, fuzz::InputRandom& random, std::size_t max_chunk) {
    DataTerminatorScanner scanner;
    std::size_t body_start = 0;  // offset of the current body in input
    std::size_t position = 0;    // offset of the next chunk
    while (position < input.size()) {
        const std::size_t length = std::min(random.between(1, max_chunk), input.size() - position);
        const std::string_view chunk = input.substr(position, length);
        const std::size_t expected = reference_end(input.substr(body_start));

        const std::size_t used = scanner.scan(chunk);
        if (used == npos) {
            require(expected == npos || expected > position + length - body_start,
                    "the scanner missed a terminator");
            require(scanner.bytes_seen() == position + length - body_start, "bytes_seen is not the body size");
            position += length;
            continue;
        }

        require(used >= 1 && used <= length, "the scanner used more bytes than the chunk has");
        require(position + used - body_start == expected, "the scanner ended the body elsewhere than the reference");
        require(scanner.bytes_seen() == expected, "bytes_seen is not the body size with its terminator");
        position += used;
        body_start = position;
        scanner.reset();
    }
}

// The DATA form of a message with CRLF line ends and no stuffing.
std::string crlf_lines(std::string_view message) {
    std::string text;
    for (const char c : message) {
        if (c == '\n' && (text.empty() || text.back() != '\r')) text += '\r';
        text += c;
    }
    if (!text.empty() && text.back() != '\n') text += "\r\n";
    return text;
}

void check_dot_stuffing(std::string_view message) {
    const std::string stuffed = dot_stuff_message(message);
    DataTerminatorScanner scanner;
    require(scanner.scan(stuffed) == stuffed.size(), "a dot-stuffed message does not end at its own terminator");
    require(dot_unstuff(stuffed) == crlf_lines(message), "dot_unstuff does not restore the message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    fuzz::InputRandom random(input);
    check_chunked(input, random, 1);
    check_chunked(input, random, 7);
    check_chunked(input, random, 4096);
    check_dot_stuffing(input);
    return 0;
}
