// SMTP and LMTP replies: reading a possibly multi-line reply from a peer
// and formatting our own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/deadline.hpp"
#include "smtp/line_reader.hpp"

namespace odmr {

struct Reply {
    int code = 0;
    std::vector<std::string> lines;  // the text of each line, after "250-" or "250 "

    bool positive_completion() const { return code >= 200 && code < 300; }
    bool positive_intermediate() const { return code >= 300 && code < 400; }
    bool transient_failure() const { return code >= 400 && code < 500; }
    bool permanent_failure() const { return code >= 500; }

    // The reply as it goes on the wire, every line ended by CRLF.
    std::string wire() const;

    // The enhanced status code ("2.0.0") that starts the first line, or "".
    std::string enhanced_status() const;

    // "250 2.0.0 Ok: queued as X" with every line joined by a space, escaped
    // and cut for a log line.
    std::string summary(std::size_t max_length = 200) const;
};

// Builds a reply; a '\n' in text starts another line.
Reply make_reply(int code, std::string_view text);

// Reads one reply. Throws IoError (kind protocol) when a line is not
// "ddd", "ddd-text" or "ddd text", when the code changes between lines, or
// when there are more than max_lines lines.
Reply read_reply(LineReader& reader, Deadline deadline, std::size_t max_lines = 100);

// Parses one reply line; returns false when it is malformed.
bool parse_reply_line(std::string_view line, int& code, bool& last, std::string_view& text);

}  // namespace odmr
