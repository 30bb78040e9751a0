// Parsing of command lines that clients send: the verb, and the MAIL FROM /
// RCPT TO path with its ESMTP parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace odmr {

struct Command {
    std::string verb;      // upper case
    std::string argument;  // everything after the first space, trimmed
};

Command parse_command(std::string_view line);

struct MailPath {
    std::string address;  // without angle brackets and source route; "" is the null path
    std::vector<std::pair<std::string, std::string>> parameters;  // keyword upper case, value as sent
    std::string parameter_text;  // the parameters exactly as sent, for relaying

    // The value of a parameter (such as "SIZE"), or nothing.
    std::optional<std::string> parameter(std::string_view keyword) const;
};

// Parses the argument of MAIL ("FROM:<a@b> SIZE=10") or RCPT ("TO:<c@d>").
// keyword is "FROM:" or "TO:". Returns nothing when the syntax is invalid.
// A space after the colon is tolerated, as most servers do.
std::optional<MailPath> parse_mail_path(std::string_view argument, std::string_view keyword);

}  // namespace odmr
