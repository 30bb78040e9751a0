// Logging in the shape Postfix uses, so existing log tools read it: syslog
// with facility mail, and in the foreground the same lines on standard
// error. Callers pass client text through printable() first.
#pragma once

#include <string>
#include <string_view>

namespace odmr::log {

struct Options {
    std::string program_name;  // the syslog ident, such as "odmrd"
    bool to_syslog = true;
    bool to_stderr = false;
    bool verbose = false;      // also write debug lines
};

void open(const Options& options);

void debug(std::string_view message);
void info(std::string_view message);
void warning(std::string_view message);
void error(std::string_view message);

// Logs an error that stops the program, and prints it once on standard
// error as "PROGRAM: message", without the log's time stamp, whether or
// not the log also writes there.
void startup_error(std::string_view message);

bool verbose();

}  // namespace odmr::log
