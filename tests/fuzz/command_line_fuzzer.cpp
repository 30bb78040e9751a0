// Fuzzes how odmrd reads SMTP and LMTP command lines: the line reader over
// reads of random sizes, compared with a plain split of the same bytes,
// then the verb and the MAIL FROM / RCPT TO path of every line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/command.hpp"
#include "smtp/io_error.hpp"
#include "smtp/line_reader.hpp"
#include "smtp/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

struct ExpectedLine {
    std::string_view text;
    bool too_long = false;
};

// The lines LineReader must return: every LF ends one, a CR right before
// it is dropped, and a line over the limit comes back empty and too long.
// Bytes after the last LF never form a line.
std::vector<ExpectedLine> split_lines(std::string_view input, std::size_t max_line_length) {
    std::vector<ExpectedLine> lines;
    std::size_t start = 0;
    while (true) {
        const auto newline = input.find('\n', start);
        if (newline == std::string_view::npos) return lines;

        std::string_view text = input.substr(start, newline - start);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        if (text.size() > max_line_length) lines.push_back({{}, true});
        else lines.push_back({text, false});
        start = newline + 1;
    }
}

void check_mail_path(std::string_view argument, std::string_view keyword) {
    const auto path = parse_mail_path(argument, keyword);
    if (!path) return;

    require(path->address.size() <= 512, "a path longer than 512 bytes was accepted");
    for (const char c : path->address) {
        const auto byte = static_cast<unsigned char>(c);
        require(byte >= 0x20 && byte != 0x7f, "a path with a control character was accepted");
    }
    for (const auto& [name, value] : path->parameters) {
        require(!name.empty(), "an ESMTP parameter without a keyword was accepted");
        require(name == to_upper(name), "an ESMTP keyword is not upper case");
        require(path->parameter(name).has_value(), "MailPath::parameter misses a parsed keyword");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    fuzz::InputRandom random(input);

    // Small limits reach the too-long path with short inputs; 512 is the
    // RFC 5321 command line limit the session uses.
    const std::size_t limits[] = {1, 8, 64, 512, 1000};
    const std::size_t max_line_length = limits[random.between(0, 4)];
    const std::vector<ExpectedLine> expected = split_lines(input, max_line_length);

    fuzz::ChunkedStream stream(input, random, 70);
    LineReader reader(stream, max_line_length);
    std::size_t count = 0;
    try {
        while (true) {
            const Line line = reader.read_line(Deadline::never());
            require(count < expected.size(), "LineReader returned a line after the last line end");
            require(line.too_long == expected[count].too_long, "LineReader misjudged a line's length");
            require(line.text == expected[count].text, "LineReader returned other text than the input holds");
            ++count;

            if (line.too_long) continue;
            const Command command = parse_command(line.text);
            require(command.verb == to_upper(command.verb), "the verb is not upper case");
            require(command.argument == trim(command.argument), "the argument is not trimmed");
            check_mail_path(command.argument, "FROM:");
            check_mail_path(command.argument, "TO:");
        }
    } catch (const IoError& error) {
        require(error.kind() == IoError::Kind::end_of_file, "LineReader failed with an error other than end of file");
    }
    require(count == expected.size(), "LineReader lost a line");
    return 0;
}
