// odmr-milter for one test: its settings and queue-domain table in the
// test directory, the program run in the foreground on a free loopback
// port (or a unix socket in the test directory), stopped by process id.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/harness/child_process.hpp"

namespace odmr::test {

struct MilterOptions {
    std::vector<std::string> queue_domains;  // table lines, such as "example.com max_messages=2"
    std::vector<std::string> settings;       // extra "name = value" lines
    bool unix_socket = false;                // listen on a unix socket instead of inet
    int refresh_interval = 1;                // seconds between queue listings
    std::uint16_t port = 0;                  // for inet; 0 picks a free port
};

class MilterInstance {
public:
    // Writes the settings and the table; postfix_directory is the
    // configuration directory of the Postfix whose queue it counts.
    MilterInstance(const std::string& directory, const std::string& postfix_directory, MilterOptions options);
    ~MilterInstance();
    MilterInstance(const MilterInstance&) = delete;
    MilterInstance& operator=(const MilterInstance&) = delete;

    // Starts the milter and waits until it accepts connections and has
    // listed the queue once.
    void start();

    // Kills the process by its id, which is quick; the destructor calls it.
    void stop();

    // Sends SIGTERM, as an init system would, and returns the exit status,
    // or nothing when the process did not end within the timeout.
    std::optional<int> terminate(std::chrono::milliseconds timeout);

    // The socket as Postfix's smtpd_milters writes it.
    const std::string& socket() const { return socket_; }
    pid_t pid() const { return process_ ? process_->pid() : -1; }
    std::string log() const;
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const;

private:
    bool accepts_connections() const;

    std::string directory_;
    std::string config_file_;
    std::string socket_;
    std::uint16_t port_ = 0;
    std::string socket_path_;
    std::unique_ptr<ChildProcess> process_;
};

}  // namespace odmr::test
