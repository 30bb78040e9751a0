// Dot-stuffing for message bodies (RFC 5321 section 4.5.2): a line that
// starts with "." gets another "." in front on the wire, and the body ends
// with a line holding a single ".".
#pragma once

#include <string>
#include <string_view>

namespace odmr {

// Turns a message with LF or CRLF line ends into its DATA form: CRLF line
// ends, stuffed dots, and the final ".\r\n".
std::string dot_stuff_message(std::string_view message);

// Reverses dot_stuff_message for a body in DATA form (with or without the
// final ".\r\n"): removes one leading dot from each line.
std::string dot_unstuff(std::string_view data);

}  // namespace odmr
