#include "smtp/settings_file.hpp"

#include <sys/stat.h>

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

// Reads "name = value" lines, checks every name, and keeps the line of
// each so later errors can point at it.
static std::string read_settings_file(const std::string& path, const program_options::options_description& settings,
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
        if (settings.find_nothrow(name, false) == nullptr) {
            throw ConfigError(path, raw.line, concat("unknown setting '", printable(name, 60),
                                                     "'; run with --help for the list of settings"));
        }
        lines[name] = raw.line;
        if (sources.describe(name) != "the command line") sources.record(name, path, raw.line);
        cleaned << name << '=' << value << '\n';
    }
    return cleaned.str();
}

SettingSources parse_settings(const SettingsRequest& request, program_options::variables_map& values) {
    SettingSources sources;

    program_options::options_description all;
    all.add(*request.command_line_only).add(*request.settings);
    const auto parsed = program_options::parse_command_line(request.argc, request.argv, all);
    program_options::store(parsed, values);
    for (const auto& option : parsed.options) sources.record(option.string_key, "", 0);

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

    if (exists) {
        std::map<std::string, int> lines;
        std::istringstream text(read_settings_file(path, *request.settings, sources, lines));
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
