// Running a host MTA's command line tool (postqueue) with a deadline,
// reading its output line by line so a large queue listing never has to fit
// in memory.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/deadline.hpp"

namespace odmr {

struct ProcessResult {
    int exit_status = -1;     // the exit code, or -1 when killed by a signal
    bool timed_out = false;   // the deadline passed and the process was killed
    std::string error_output; // the first 4 KiB of standard error
};

// Runs argv[0] (a path, not searched in PATH) with the given arguments and
// an empty environment but for PATH. Each line of standard output goes to
// on_line without its newline. Throws std::runtime_error when the program
// cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, Deadline deadline,
                          const std::function<void(std::string_view)>& on_line);

// Why run_process could not start the program at this path (missing, not
// a regular file, not executable), or nothing when it can.
std::optional<std::string> command_problem(const std::string& path);

}  // namespace odmr
