// Reading an admin's table in the text form Postfix users know: one entry
// per line, "key  value", '#' starts a comment line, and a line that starts
// with white space continues the one before.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace odmr {

// An error in a configuration file, with the file and line it is about.
class ConfigError : public std::runtime_error {
public:
    // message names the bad value and how to fix it; line 0 means the
    // file as a whole.
    ConfigError(const std::string& file, int line, const std::string& message);
};

struct TableEntry {
    std::string file;
    int line = 0;       // where the entry starts
    std::string key;
    std::string value;  // the rest, continuation lines joined by one space
};

// Reads every entry. Throws ConfigError when the file cannot be read, a
// line holds a NUL byte or a continuation line has no entry to continue.
std::vector<TableEntry> read_table_file(const std::string& path);

// The same for text already in memory; `file` names it in errors.
std::vector<TableEntry> parse_table_text(const std::string& text, const std::string& file);

}  // namespace odmr
