// Fuzzes how odmr reads SMTP and LMTP replies from a peer: parse_reply_line
// on every line, and read_reply over reads of random sizes until the input
// ends or breaks the protocol. Each reply read must survive a round trip
// through its wire form.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/io_error.hpp"
#include "smtp/line_reader.hpp"
#include "smtp/reply.hpp"
#include "smtp/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

void check_line(std::string_view line) {
    int code = 0;
    bool last = false;
    std::string_view text;
    if (!parse_reply_line(line, code, last, text)) return;

    require(code >= 200 && code <= 599, "a reply code outside 2xx to 5xx was accepted");
    require(text.size() + 3 <= line.size(), "the reply text is longer than its line");
}

// Reads the wire form back; it must give the same reply.
void check_round_trip(const Reply& reply) {
    const std::string wire = reply.wire();
    fuzz::InputRandom random(wire);
    fuzz::ChunkedStream stream(wire, random, 16);
    LineReader reader(stream, wire.size() + 2);
    const Reply again = read_reply(reader, Deadline::never(), reply.lines.size() + 1);
    require(again.code == reply.code, "the reply code changed in a round trip");
    require(again.lines == reply.lines, "the reply lines changed in a round trip");
}

void check_reply(const Reply& reply) {
    require(reply.code >= 200 && reply.code <= 599, "read_reply returned a code outside 2xx to 5xx");
    require(!reply.lines.empty(), "read_reply returned a reply without lines");

    const std::string summary = reply.summary(200);
    require(fuzz::is_printable_ascii(summary), "Reply::summary is not printable");
    // printable() cuts after 200 input bytes, each written as at most 4.
    require(summary.size() <= 4 * 200 + 3, "Reply::summary is longer than its limit");

    const std::string status = reply.enhanced_status();
    require(status.empty() || status.size() >= 5, "an enhanced status code is too short");
    check_round_trip(reply);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const auto line : split(input, '\n')) check_line(line);

    fuzz::InputRandom random(input);
    fuzz::ChunkedStream stream(input, random, 40);
    LineReader reader(stream, random.between(0, 1) == 0 ? 64 : 1000);
    const std::size_t max_lines = random.between(1, 8);
    try {
        while (true) check_reply(read_reply(reader, Deadline::never(), max_lines));
    } catch (const IoError& error) {
        const bool expected = error.kind() == IoError::Kind::end_of_file || error.kind() == IoError::Kind::protocol;
        require(expected, "read_reply failed with an error other than end of file or a protocol error");
        require(fuzz::is_printable_ascii(error.what()), "a reply error message is not printable");
    }
    return 0;
}
