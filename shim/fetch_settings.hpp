// odmr-fetch's settings: the main file (/etc/odmr/odmr-fetch.conf by
// default) of "name = value" lines and the command line, which overrides
// every setting. The job options here are the defaults for every job of
// the jobs table.
#pragma once

#include <string>
#include <vector>

#include "shim/job_options.hpp"
#include "smtp/settings_file.hpp"

namespace odmr {

struct FetchSettings {
    std::string config_file;
    std::string hostname;        // EHLO name towards providers
    std::string jobs_file;
    std::string passwords_file;  // empty: no passwords file
    JobOptions job_defaults;

    Seconds retry_delay{60};        // after the first failure of a job
    Seconds max_retry_delay{3600};  // the longest wait of the backoff
    Seconds max_jitter{30};         // the maximum random delay of a scheduled run

    bool syslog = true;
    bool log_to_stderr = false;
    bool verbose = false;
};

enum class FetchAction { daemon, once, check_config, help, version };

struct FetchCommand {
    FetchAction action = FetchAction::daemon;
    FetchSettings settings;
    std::vector<std::string> job_names;  // --job, for --once and --check-config
    std::string help_text;
};

// Parses the command line and the settings file. Throws ConfigError or
// boost::program_options::error with a message for the admin.
FetchCommand parse_fetch_command(int argc, char** argv);

}  // namespace odmr
