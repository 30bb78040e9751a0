#include "shim/job_parameters.hpp"

#include "smtp/domain.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

constexpr std::string_view mask = "********";
constexpr std::string_view use_passwords_file = "write * as the password and put it in the passwords file";

bool has_control_character(std::string_view text) {
    for (const unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) return true;
    }
    return false;
}

// A queue name after '#' (RFC 1985 section 5): letters, digits and the
// punctuation that Sendmail's queue groups use.
bool is_queue_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (const char c : name) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                             c == '_' || c == '.';
        if (!allowed) return false;
    }
    return true;
}

std::string parse_etrn_node(std::string_view text) {
    const std::string bad = concat("'", printable(text, 80),
                                   "' is not a domain name; write a domain such as example.com, @example.com for its "
                                   "subdomains too, or #queue");
    if (!text.empty() && text.front() == '#') {
        if (!is_queue_name(text.substr(1))) throw ParameterError(bad);
        return std::string(text);
    }

    const bool subdomains = !text.empty() && text.front() == '@';
    const auto domain = normalize_domain(subdomains ? text.substr(1) : text);
    if (!domain) throw ParameterError(bad);
    return subdomains ? "@" + *domain : *domain;
}

std::vector<std::string> parse_atrn_domains(std::string_view text) {
    if (text.empty()) {
        throw ParameterError("no domain before ';'; write at least one domain, such as example.com;login:password");
    }

    std::vector<std::string> domains;
    for (const auto part : split(text, ',')) {
        const std::string_view name = trim(part);
        if (name.empty()) {
            throw ParameterError(concat("empty domain in the list '", printable(text, 80), "'; remove the extra ','"));
        }
        const auto domain = normalize_domain(name);
        if (!domain) {
            throw ParameterError(concat("'", printable(name, 80),
                                        "' is not a domain name; write domains such as example.com,example.net"));
        }
        domains.push_back(*domain);
    }
    return domains;
}

// Any word after the first may be the password, so the message shows only
// the first.
ParameterError too_many_words(const std::vector<std::string_view>& words) {
    std::string masked = printable(words[0], 80);
    for (std::size_t i = 1; i < words.size(); ++i) masked += concat(" ", mask);
    return ParameterError(concat("the ETRN command '", masked, "' has ", words.size(),
                                 " words, but an ETRN command is a domain and an optional password; remove the space "
                                 "from the domain, or, for a password with spaces, ", use_passwords_file));
}

}  // namespace

std::vector<EtrnCommand> parse_etrn_parameters(std::string_view text) {
    text = trim(text);
    if (text.empty()) {
        throw ParameterError("the ETRN parameter string is empty; write a domain such as example.com, optionally "
                             "followed by a space and its password");
    }
    if (text.back() == ';') {
        throw ParameterError("the ETRN parameter string ends with ';'; remove the last ';' or write another domain "
                             "after it");
    }

    std::vector<EtrnCommand> commands;
    const auto parts = split(text, ';');
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto words = split_words(trim(parts[i]));
        if (words.empty()) throw ParameterError(concat("ETRN command ", i + 1, " is empty; remove the extra ';'"));

        if (words.size() > 2) throw too_many_words(words);

        EtrnCommand command;
        command.node = parse_etrn_node(words[0]);
        if (words.size() == 2) {
            if (has_control_character(words[1])) {
                throw ParameterError(concat("the password for ", command.node, " contains a control character; ",
                                            use_passwords_file));
            }
            command.password = std::string(words[1]);
        }
        commands.push_back(std::move(command));
    }
    return commands;
}

AtrnCredentials parse_atrn_parameters(std::string_view text) {
    text = trim(text);
    if (text.empty()) {
        throw ParameterError("the ATRN parameter string is empty; write domains;login:password such as "
                             "example.com;login:password");
    }

    // Nothing here may echo the text after ':', because it is a password.
    const auto semicolon = text.find(';');
    if (semicolon == std::string_view::npos) {
        throw ParameterError("missing ';' between the domains and login:password; write domains;login:password such as "
                             "example.com;login:password");
    }
    const std::string_view credentials = trim(text.substr(semicolon + 1));
    if (credentials.empty() || credentials == ";") {
        throw ParameterError("nothing after ';'; write login:password after the domains, such as "
                             "example.com;login:password");
    }
    if (text.back() == ';') {
        throw ParameterError("the ATRN parameter string ends with ';'; remove it, because nothing follows "
                             "login:password");
    }
    if (credentials.find(';') != std::string_view::npos) {
        throw ParameterError("the ATRN parameter string has more than one ';'; list every domain before the first ';', "
                             "separated by ',', and write * for a password that contains ';'");
    }

    AtrnCredentials result;
    result.domains = parse_atrn_domains(trim(text.substr(0, semicolon)));

    const auto colon = credentials.find(':');
    if (colon == std::string_view::npos) {
        throw ParameterError("missing ':' between login and password after ';'; write login:password, or login:* to "
                             "take the password from the passwords file");
    }
    const std::string_view login = trim(credentials.substr(0, colon));
    const std::string_view password = trim(credentials.substr(colon + 1));
    if (login.empty()) throw ParameterError("empty login before ':'; write login:password");
    if (login.find_first_of(" \t") != std::string_view::npos) {
        throw ParameterError("the login contains a space; write login:password without spaces");
    }
    if (has_control_character(login)) throw ParameterError("the login contains a control character");
    if (password.empty()) {
        throw ParameterError("empty password after ':'; write the password, or * to take it from the passwords file");
    }
    if (password.find(':') != std::string_view::npos) throw ParameterError(concat("the password contains ':'; ", use_passwords_file));
    if (password.find_first_of(" \t") != std::string_view::npos) {
        throw ParameterError(concat("the password contains a space; ", use_passwords_file));
    }
    if (has_control_character(password)) {
        throw ParameterError(concat("the password contains a control character; ", use_passwords_file));
    }

    result.login = std::string(login);
    result.password = std::string(password);
    return result;
}

std::string masked_etrn_parameters(const std::vector<EtrnCommand>& commands) {
    std::string text;
    for (const auto& command : commands) {
        if (!text.empty()) text += ';';
        text += command.node;
        if (!command.password.empty()) text += concat(" ", mask);
    }
    return text;
}

std::string masked_atrn_parameters(const AtrnCredentials& credentials) {
    std::string text;
    for (const auto& domain : credentials.domains) text += (text.empty() ? "" : ",") + domain;
    return concat(text, ";", credentials.login, ":", mask);
}

std::string etrn_command_line(const EtrnCommand& command) {
    return command.password.empty() ? concat("ETRN ", command.node) : concat("ETRN ", command.node, " ", command.password);
}

std::string masked_etrn_command_line(const EtrnCommand& command) {
    return command.password.empty() ? concat("ETRN ", command.node) : concat("ETRN ", command.node, " ", mask);
}

}  // namespace odmr
