#include "smtp/command.hpp"

#include "smtp/text.hpp"

namespace odmr {

Command parse_command(std::string_view line) {
    const auto space = line.find(' ');
    Command command;
    command.verb = to_upper(line.substr(0, space));
    if (space != std::string_view::npos) command.argument = std::string(trim(line.substr(space + 1)));
    return command;
}

std::optional<std::string> MailPath::parameter(std::string_view keyword) const {
    for (const auto& [key, value] : parameters) {
        if (iequals(key, keyword)) return value;
    }
    return std::nullopt;
}

// Finds the '>' that closes the path, skipping quoted strings and quoted
// pairs in the local part ("a>b"@example.com).
static std::size_t find_path_end(std::string_view text) {
    bool quoted = false;
    for (std::size_t i = 1; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && quoted) {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == '>' && !quoted) {
            return i;
        }
    }
    return std::string_view::npos;
}

static bool has_control_characters(std::string_view text) {
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) return true;
    }
    return false;
}

std::optional<MailPath> parse_mail_path(std::string_view argument, std::string_view keyword) {
    if (!istarts_with(argument, keyword)) return std::nullopt;
    std::string_view rest = argument.substr(keyword.size());
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty() || rest.front() != '<') return std::nullopt;

    const auto end = find_path_end(rest);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view address = rest.substr(1, end - 1);
    if (has_control_characters(address) || address.size() > 512) return std::nullopt;

    // A source route ("@relay1,@relay2:user@example.com") is ignored, as
    // RFC 5321 section 3.3 allows.
    if (!address.empty() && address.front() == '@') {
        const auto colon = address.find(':');
        if (colon == std::string_view::npos) return std::nullopt;
        address.remove_prefix(colon + 1);
        // A route to nowhere is not the null path.
        if (address.empty()) return std::nullopt;
    }

    MailPath path;
    path.address = std::string(address);

    const std::string_view parameters = trim(rest.substr(end + 1));
    if (!parameters.empty() && rest[end + 1] != ' ') return std::nullopt;
    if (has_control_characters(parameters)) return std::nullopt;
    path.parameter_text = std::string(parameters);
    for (auto word : split_words(parameters)) {
        const auto equals = word.find('=');
        if (equals == 0) return std::nullopt;
        if (equals == std::string_view::npos) {
            path.parameters.emplace_back(to_upper(word), "");
        } else {
            path.parameters.emplace_back(to_upper(word.substr(0, equals)), std::string(word.substr(equals + 1)));
        }
    }
    return path;
}

}  // namespace odmr
