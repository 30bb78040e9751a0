// Settings for odmr's programs: a main file of "name = value" lines read
// with Boost.Program_options, every setting overridable on the command
// line. Errors name the file and line, which Program_options alone cannot.
#pragma once

#include <boost/program_options.hpp>

#include <map>
#include <string>

#include "smtp/table_file.hpp"

namespace odmr {

namespace program_options = boost::program_options;

// Where each setting was given: "FILE, line N" or "the command line".
class SettingSources {
public:
    void record(const std::string& name, const std::string& file, int line);

    // A ConfigError about a setting, naming where it was set.
    ConfigError error(const std::string& name, const std::string& message) const;

    std::string describe(const std::string& name) const;

private:
    struct Source {
        std::string file;  // empty for the command line
        int line = 0;
    };
    std::map<std::string, Source> sources_;
};

// The values a whole-number setting accepts, and their unit for messages
// ("seconds", "milliseconds", or empty for a plain count).
struct NumberRange {
    long long minimum = 0;
    long long maximum = 0;
    std::string unit;
};

struct SettingsRequest {
    int argc = 0;
    char** argv = nullptr;
    const program_options::options_description* command_line_only = nullptr;  // --help and the like
    const program_options::options_description* settings = nullptr;           // also allowed in the file
    std::string config_option = "config";  // the option that names the file
    std::string default_config_file;
    bool config_file_required = false;  // an explicit --config must always exist
    // Ranges of int settings. An int setting without one accepts any int,
    // and its unit comes from its description.
    std::map<std::string, NumberRange> number_ranges;
};

// Parses the command line, then the settings file. A setting given on the
// command line replaces the file's value, a list setting included. Throws
// ConfigError for the file and for a number setting out of its range or
// not a whole number, and program_options::error for other command line
// errors.
SettingSources parse_settings(const SettingsRequest& request, program_options::variables_map& values);

}  // namespace odmr
