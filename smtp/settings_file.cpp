#include "smtp/settings_file.hpp"

#include <sys/stat.h>

#include <charconv>
#include <limits>
#include <optional>
#include <sstream>

#include "smtp/text.hpp"

namespace odmr {

void SettingSources::record(const std::string& name, const std::string& file, int line) {
    sources_[name] = Source{file, line};
}

std::string SettingSources::describe(const std::string& name) const {
    const auto found = sources_.find(name);
    if (found == sources_.end()) return "the default";
    if (found->second.file.empty()) return "the command line";
    return concat(found->second.file, ", line ", found->second.line);
}

ConfigError SettingSources::error(const std::string& name, const std::string& message) const {
    const auto found = sources_.find(name);
    if (found == sources_.end() || found->second.file.empty()) {
        const std::string origin = found == sources_.end() ? "default value" : "command line";
        return ConfigError(concat(name, " (", origin, ")"), 0, message);
    }
    return ConfigError(found->second.file, found->second.line, message);
}

// The range of an int setting: the declared one, or else 0 to INT_MAX
// with the unit its description names. Empty for other types.
static std::optional<NumberRange> number_range(const SettingsRequest& request,
                                               const program_options::option_description& option) {
    if (dynamic_cast<const program_options::typed_value<int>*>(option.semantic().get()) == nullptr) {
        return std::nullopt;
    }
    const auto declared = request.number_ranges.find(option.long_name());
    if (declared != request.number_ranges.end()) return declared->second;

    NumberRange range{0, std::numeric_limits<int>::max(), ""};
    if (option.description().find("milliseconds") != std::string::npos) {
        range.unit = "milliseconds";
    } else if (option.description().find("seconds") != std::string::npos) {
        range.unit = "seconds";
    }
    return range;
}

// What is wrong with the text of a number setting, or nothing. Checked
// here because Program_options names neither the range nor the unit, and
// a value such as "30s" or one above INT_MAX must not reach it.
static std::optional<std::string> number_problem(const std::string& name, const std::string& text,
                                                 const NumberRange& range) {
    long long value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool whole = !text.empty() && result.ec == std::errc() && result.ptr == text.data() + text.size();
    if (whole && value >= range.minimum && value <= range.maximum) return std::nullopt;

    const std::string unit = range.unit.empty() ? "" : " of " + range.unit;
    return concat(name, " = ", printable(text, 40), " is invalid; write a whole number", unit, " from ", range.minimum,
                  " to ", range.maximum);
}

// Reads "name = value" lines, checks every name, and keeps the line of
// each so later errors can point at it. A setting given on the command
// line is left out, so that the command line replaces it rather than
// adding to a list setting.
static std::string read_settings_file(const std::string& path, const SettingsRequest& request,
                                      SettingSources& sources, std::map<std::string, int>& lines) {
    std::ostringstream cleaned;
    for (const auto& raw : read_table_file(path)) {
        const std::string text = raw.key + (raw.value.empty() ? "" : " " + raw.value);
        const auto equals = text.find('=');
        if (equals == std::string::npos) {
            throw ConfigError(path, raw.line, concat("expected 'name = value', found '", printable(text, 80), "'"));
        }

        const std::string name(trim(std::string_view(text).substr(0, equals)));
        const std::string value(trim(std::string_view(text).substr(equals + 1)));
        // Program_options takes an empty name as an abbreviation of every
        // setting and throws an error that names no file.
        if (name.empty()) {
            throw ConfigError(path, raw.line, concat("no setting name before '=' in '", printable(text, 80), "'"));
        }
        const auto* option = request.settings->find_nothrow(name, false);
        if (option == nullptr) {
            throw ConfigError(path, raw.line, concat("unknown setting '", printable(name, 60),
                                                     "'; run with --help for the list of settings"));
        }

        if (const auto range = number_range(request, *option)) {
            if (const auto problem = number_problem(name, value, *range)) throw ConfigError(path, raw.line, *problem);
        }
        if (sources.describe(name) == "the command line") continue;

        lines[name] = raw.line;
        sources.record(name, path, raw.line);
        cleaned << name << '=' << value << '\n';
    }
    return cleaned.str();
}

// Checks the number settings of the command line before Program_options
// converts them, for the same messages as in the file.
static void check_command_line_numbers(const SettingsRequest& request,
                                       const program_options::options_description& all,
                                       const program_options::parsed_options& parsed, const SettingSources& sources) {
    for (const auto& option : parsed.options) {
        const auto* description = all.find_nothrow(option.string_key, false);
        if (description == nullptr || option.value.size() != 1) continue;

        const auto range = number_range(request, *description);
        if (!range) continue;
        if (const auto problem = number_problem(option.string_key, option.value.front(), *range)) {
            throw sources.error(option.string_key, *problem);
        }
    }
}

// The file name a directory given as the settings file should be
// completed with, from the default file.
static std::string example_file_in(const std::string& directory, const std::string& default_file) {
    const auto slash = default_file.rfind('/');
    const std::string name = slash == std::string::npos ? default_file : default_file.substr(slash + 1);
    return concat(directory, directory.ends_with('/') ? "" : "/", name.empty() ? "settings.conf" : name);
}

SettingSources parse_settings(const SettingsRequest& request, program_options::variables_map& values) {
    SettingSources sources;

    program_options::options_description all;
    all.add(*request.command_line_only).add(*request.settings);
    const auto parsed = program_options::parse_command_line(request.argc, request.argv, all);
    for (const auto& option : parsed.options) sources.record(option.string_key, "", 0);
    check_command_line_numbers(request, all, parsed, sources);
    program_options::store(parsed, values);

    std::string path = request.default_config_file;
    bool explicit_file = false;
    if (values.count(request.config_option) > 0) {
        path = values[request.config_option].as<std::string>();
        explicit_file = true;
    }

    struct stat status{};
    const bool exists = !path.empty() && stat(path.c_str(), &status) == 0;
    if (!exists && (explicit_file || request.config_file_required)) {
        throw ConfigError(path, 0, "the settings file does not exist; create it or name another with --config");
    }
    // A directory opens and reads as an empty file, which would start the
    // program with every default.
    if (exists && S_ISDIR(status.st_mode)) {
        throw ConfigError(path, 0, concat("this is a directory, not a settings file; name the file with --config, such as ",
                                          example_file_in(path, request.default_config_file)));
    }

    if (exists) {
        std::map<std::string, int> lines;
        std::istringstream text(read_settings_file(path, request, sources, lines));
        try {
            program_options::store(program_options::parse_config_file(text, *request.settings), values);
        } catch (const program_options::error_with_option_name& error) {
            const std::string name = error.get_option_name();
            const auto line = lines.find(name.substr(name.find_first_not_of('-')));
            throw ConfigError(path, line == lines.end() ? 0 : line->second, error.what());
        } catch (const program_options::error& error) {
            throw ConfigError(path, 0, error.what());
        }
    }

    program_options::notify(values);
    return sources;
}

}  // namespace odmr
