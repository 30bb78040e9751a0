#include "plugin/tables/queue_domain_table.hpp"

#include <charconv>
#include <limits>

#include "smtp/domain.hpp"
#include "smtp/socket.hpp"
#include "smtp/table_file.hpp"
#include "smtp/text.hpp"

namespace odmr {

std::optional<std::uint64_t> parse_size(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::uint64_t multiplier = 1;
    switch (text.back()) {
    case 'k': case 'K': multiplier = 1024; break;
    case 'm': case 'M': multiplier = 1024 * 1024; break;
    case 'g': case 'G': multiplier = 1024ULL * 1024 * 1024; break;
    default: break;
    }
    if (multiplier != 1) text.remove_suffix(1);

    std::uint64_t value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
    if (value > std::numeric_limits<std::uint64_t>::max() / multiplier) return std::nullopt;
    return value * multiplier;
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    return parse_size(text);
}

// A bracketed host must be an IP address and any other a host name, so a
// mistyped address fails when the table loads instead of at the first ETRN.
static void check_etrn_host(std::string_view value, const std::string& host) {
    if (value.front() == '[') {
        if (!is_address_literal(concat("[", host, "]")) && !is_address_literal(concat("[IPv6:", host, "]"))) {
            throw std::invalid_argument(concat("'", printable(host, 80), "' is not an IP address"));
        }
        return;
    }
    if (!normalize_domain(host)) throw std::invalid_argument(concat("'", printable(host, 80), "' is not a valid host name"));
}

static std::optional<bool> parse_flag(std::string_view value) {
    if (value == "yes" || value == "true" || value == "1") return true;
    if (value == "no" || value == "false" || value == "0") return false;
    return std::nullopt;
}

static void apply_option(QueueDomain& entry, std::string_view name, std::string_view value) {
    const auto fail = [&](const std::string& message) { throw ConfigError(entry.file, entry.line, message); };

    if (name == "max_messages" || name == "max_bytes" || name == "max_message_size") {
        const bool is_count = name == "max_messages";
        const auto number = is_count ? parse_count(value) : parse_size(value);
        if (!number) {
            fail(concat("invalid value '", printable(value, 60), "' for ", name, "; use a whole number",
                        is_count ? "" : " with an optional K, M or G suffix", ", or 0 for no limit"));
        }
        if (name == "max_messages") entry.max_messages = *number;
        if (name == "max_bytes") entry.max_bytes = *number;
        if (name == "max_message_size") entry.max_message_size = *number;
        return;
    }

    if (name == "etrn_address") {
        try {
            const Endpoint endpoint = parse_endpoint(value, 25);
            if (endpoint.host.empty()) throw std::invalid_argument("no host");
            check_etrn_host(value, endpoint.host);
        } catch (const std::invalid_argument& error) {
            fail(concat("invalid etrn_address '", printable(value, 80), "': ", error.what(),
                        "; write [192.0.2.7]:25, [2001:db8::7] or mx.example.com:25"));
        }
        entry.etrn_address = std::string(value);
        return;
    }

    if (name == "etrn_clients") {
        std::string bad;
        auto clients = NetworkList::parse(value, bad);
        if (!clients || clients->empty()) {
            fail(concat("invalid etrn_clients entry '", bad.empty() ? printable(value, 80) : bad,
                        "'; list addresses or networks separated by commas, such as 192.0.2.7,198.51.100.0/24"));
        }
        entry.etrn_clients = *clients;
        return;
    }

    if (name == "etrn_require_password" || name == "etrn_tls_verify") {
        const auto flag = parse_flag(value);
        if (!flag) fail(concat("invalid value '", printable(value, 60), "' for ", name, "; use yes or no"));
        (name == "etrn_require_password" ? entry.etrn_require_password : entry.etrn_tls_verify) = *flag;
        return;
    }

    if (name == "etrn_tls") {
        if (value == "none") entry.etrn_tls = TlsPolicy::none;
        else if (value == "may") entry.etrn_tls = TlsPolicy::may;
        else if (value == "encrypt") entry.etrn_tls = TlsPolicy::encrypt;
        else fail(concat("invalid value '", printable(value, 60), "' for etrn_tls; use none, may or encrypt"));
        return;
    }

    if (name == "etrn_tls_ca_file") {
        if (value.empty() || value.front() != '/') {
            fail(concat("invalid etrn_tls_ca_file '", printable(value, 120), "'; give the absolute path of a PEM file"));
        }
        entry.etrn_tls_ca_file = std::string(value);
        return;
    }

    fail(concat("unknown option '", printable(name, 60),
                "'; the options are etrn_address, etrn_clients, etrn_require_password, etrn_tls, etrn_tls_verify, "
                "etrn_tls_ca_file, max_messages, max_bytes and max_message_size"));
}

QueueDomainTable QueueDomainTable::load(const std::string& path) {
    return from_entries(read_table_file(path));
}

QueueDomainTable QueueDomainTable::parse(const std::string& text, const std::string& file) {
    return from_entries(parse_table_text(text, file));
}

QueueDomainTable QueueDomainTable::from_entries(const std::vector<TableEntry>& entries) {
    QueueDomainTable table;
    for (const auto& line : entries) {
        const auto domain = normalize_domain(line.key);
        if (!domain) {
            throw ConfigError(line.file, line.line, concat("invalid domain name '", printable(line.key, 80),
                                                           "'; write a domain such as example.com"));
        }
        if (table.domains_.count(*domain) > 0) {
            const auto& first = table.domains_.at(*domain);
            throw ConfigError(line.file, line.line, concat("domain ", *domain, " is listed again (first at line ",
                                                           first.line, "); keep one entry"));
        }

        QueueDomain entry;
        entry.domain = *domain;
        entry.file = line.file;
        entry.line = line.line;
        for (auto word : split_words(line.value)) {
            const auto equals = word.find('=');
            if (equals == std::string_view::npos || equals == 0) {
                throw ConfigError(line.file, line.line, concat("invalid option '", printable(word, 60),
                                                               "'; write options as name=value"));
            }
            apply_option(entry, word.substr(0, equals), word.substr(equals + 1));
        }
        table.domains_.emplace(*domain, std::move(entry));
    }
    return table;
}

const QueueDomain* QueueDomainTable::find(std::string_view domain) const {
    const auto found = domains_.find(to_lower(domain));
    return found == domains_.end() ? nullptr : &found->second;
}

}  // namespace odmr
