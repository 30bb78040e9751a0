// A program a test starts (odmrd, fetchmail, odmr-fetch): its output goes
// to a file in the test directory, and the destructor ends it by process
// id if it still runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace odmr::test {

class ChildProcess {
public:
    // Starts argv with the extra environment variables; standard output
    // and standard error both go to output_file.
    ChildProcess(const std::vector<std::string>& argv, const std::string& output_file,
                 const std::map<std::string, std::string>& environment = {});

    // Starts argv with the socket as standard input and output, as inetd
    // or systemd socket activation would; standard error goes to
    // output_file.
    ChildProcess(const std::vector<std::string>& argv, int socket, const std::string& output_file);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }

    // Waits for the exit; returns the exit status, or nothing on timeout.
    // A process killed by a signal returns 128 + the signal number.
    std::optional<int> wait(std::chrono::milliseconds timeout);

    bool running();

    // Sends a signal, as a test of a crash or a shutdown would.
    void signal(int number);

    // Kills the process (SIGKILL) and waits for it.
    void kill_now();

    std::string output() const;

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::string output_file_;
};

// Runs a command to completion and returns its exit status; its output
// goes to the string.
int run_command(const std::vector<std::string>& argv, std::string& output,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace odmr::test
