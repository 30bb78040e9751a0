// A program the benchmark driver starts (smtp-sink, odmr-fetch, fetchmail)
// whose output is read as it comes. Each line is stamped with the time it
// arrived and handed to a callback. So the driver can time an ATRN reply or
// a delivered message to the millisecond, where the programs' own logs
// have whole seconds. wait() also returns the peak resident set size of
// the program.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace odmr::bench {

using Clock = std::chrono::steady_clock;

struct ProcessExit {
    int status = -1;              // exit status, or 128 + signal number
    long peak_rss_kilobytes = 0;  // VmHWM, last read at most 5 ms before the exit
};

class TimedProcess {
public:
    // Called from the reader thread for every line of standard output or
    // standard error. A line ends with LF or with CR, because smtp-sink -c
    // rewrites one line with CR.
    using LineHandler = std::function<void(const std::string& line, Clock::time_point arrived)>;

    // Starts argv; its output is also appended to log_file.
    TimedProcess(const std::vector<std::string>& argv, const std::string& log_file, LineHandler on_line = {},
                 const std::vector<std::string>& environment = {});
    ~TimedProcess();
    TimedProcess(const TimedProcess&) = delete;
    TimedProcess& operator=(const TimedProcess&) = delete;

    pid_t pid() const { return pid_; }
    Clock::time_point started() const { return started_; }

    // Waits for the exit and for the last line of output. Returns nothing
    // when the timeout passes first; the process then still runs.
    std::optional<ProcessExit> wait(std::chrono::milliseconds timeout);

    // Ends the process with SIGKILL, if it still runs, and reaps it.
    void kill_now();

    // Sends SIGTERM and waits up to the timeout for the exit, then kills.
    // A profiler such as callgrind writes its data only on a normal exit.
    void stop(std::chrono::milliseconds timeout);

private:
    void read_output(int fd, std::string log_file, LineHandler on_line);

    pid_t pid_ = -1;
    bool reaped_ = false;
    Clock::time_point started_;
    std::thread reader_;
};

}  // namespace odmr::bench
