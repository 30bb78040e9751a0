#include "smtp/table_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "smtp/text.hpp"

namespace odmr {

static std::string where(const std::string& file, int line) {
    return line > 0 ? concat(file, ", line ", line, ": ") : concat(file, ": ");
}

ConfigError::ConfigError(const std::string& file, int line, const std::string& message)
    : std::runtime_error(where(file, line) + message) {}

std::vector<TableEntry> read_table_file(const std::string& path) {
    std::ifstream input(path, std::ios::binary);
    if (!input) throw ConfigError(path, 0, concat("cannot open the file: ", std::strerror(errno)));

    std::ostringstream text;
    text << input.rdbuf();
    if (input.bad()) throw ConfigError(path, 0, concat("cannot read the file: ", std::strerror(errno)));
    return parse_table_text(text.str(), path);
}

std::vector<TableEntry> parse_table_text(const std::string& text, const std::string& file) {
    std::vector<TableEntry> entries;
    int number = 0;
    for (auto raw : split(text, '\n')) {
        ++number;
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        if (raw.find('\0') != std::string_view::npos) throw ConfigError(file, number, "the line contains a NUL byte");

        const std::string_view content = trim(raw);
        if (content.empty() || content.front() == '#') continue;

        if (raw.front() == ' ' || raw.front() == '\t') {
            if (entries.empty()) {
                throw ConfigError(file, number, "a line that starts with white space continues an entry, but no entry comes before it; remove the leading white space");
            }
            auto& value = entries.back().value;
            if (!value.empty()) value += ' ';
            value += content;
            continue;
        }

        const auto words_end = content.find_first_of(" \t");
        TableEntry entry;
        entry.file = file;
        entry.line = number;
        entry.key = std::string(content.substr(0, words_end));
        if (words_end != std::string_view::npos) entry.value = std::string(trim(content.substr(words_end)));
        entries.push_back(std::move(entry));
    }
    return entries;
}

}  // namespace odmr
