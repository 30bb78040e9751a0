// odmr-fetch for one test or the demo: its settings file, jobs table and
// passwords file in a private directory, run once or as a daemon in the
// foreground, with its log in that directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/harness/child_process.hpp"

namespace odmr::test {

struct FetchRun {
    int status = -1;  // -1 when it did not end in time
    std::string output;
};

class OdmrFetchInstance {
public:
    // Writes the settings: no syslog, no jitter, one-second retries, no TLS
    // towards the provider, the EHLO name customer.test, and the extra
    // "name = value" lines after them.
    OdmrFetchInstance(const std::string& directory, const std::vector<std::string>& settings = {});
    ~OdmrFetchInstance();

    // Writes the jobs table (one job per line) with the given mode.
    void write_jobs(const std::vector<std::string>& jobs, unsigned mode = 0600) const;
    void write_passwords(const std::vector<std::string>& entries, unsigned mode = 0600) const;

    const std::string& config_file() const { return config_file_; }
    const std::string& jobs_file() const { return jobs_file_; }
    const std::string& passwords_file() const { return passwords_file_; }

    // Runs odmr-fetch with -c CONFIG and the arguments, and waits for it.
    FetchRun run(const std::vector<std::string>& arguments,
                 std::chrono::seconds timeout = std::chrono::seconds(120)) const;
    FetchRun run_once(const std::vector<std::string>& arguments = {},
                      std::chrono::seconds timeout = std::chrono::seconds(120)) const;

    // Starts the daemon (odmr-fetch -c CONFIG -f -v); the destructor kills it
    // when it still runs.
    void start_daemon();
    ChildProcess* daemon() { return daemon_.get(); }
    std::string daemon_log() const;
    bool wait_for_daemon_log(const std::string& text, std::chrono::milliseconds timeout) const;

    static std::string binary();

private:
    std::string directory_;
    std::string config_file_;
    std::string jobs_file_;
    std::string passwords_file_;
    std::unique_ptr<ChildProcess> daemon_;
};

// The customer's listener from conf-examples/customer/master.cf, as
// master.cf lines, with its example port 10026 replaced by `port`.
std::vector<std::string> customer_listener_lines(std::uint16_t port);

// A line of the jobs table for an ATRN job against odmrd at address:port,
// relaying into relay_port on 127.0.0.1; options are added at the end.
std::string atrn_job_line(const std::string& name, const std::string& address, std::uint16_t port,
                          const std::string& parameters, std::uint16_t relay_port, const std::string& options = "");

}  // namespace odmr::test
