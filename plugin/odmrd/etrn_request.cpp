#include "plugin/odmrd/etrn_request.hpp"

#include "smtp/domain.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

// RFC 5321 allows 512 octets for a command line; a domain has at most 253.
constexpr std::size_t max_argument_length = 512;
constexpr std::size_t max_password_length = 256;

bool is_queue_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                             c == '_' || c == '.';
        if (!allowed) return false;
    }
    return true;
}

bool is_password(std::string_view password) {
    if (password.empty() || password.size() > max_password_length) return false;
    for (char c : password) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f) return false;
    }
    return true;
}

}  // namespace

std::optional<EtrnRequest> parse_etrn_argument(std::string_view argument, std::string& error) {
    const char* const syntax = "5.5.4 Syntax: ETRN domain, ETRN @domain or ETRN #queue";
    if (argument.empty()) {
        error = syntax;
        return std::nullopt;
    }
    if (argument.size() > max_argument_length || argument.find('\0') != std::string_view::npos) {
        error = "5.5.4 Error: invalid ETRN argument";
        return std::nullopt;
    }

    const auto words = split_words(argument);
    if (words.empty() || words.size() > 2) {
        error = syntax;
        return std::nullopt;
    }

    EtrnRequest request;
    std::string_view node = words[0];
    if (node.front() == '@') {
        request.kind = EtrnRequest::Kind::domain_and_subdomains;
        node.remove_prefix(1);
    } else if (node.front() == '#') {
        request.kind = EtrnRequest::Kind::queue_name;
        node.remove_prefix(1);
    }

    if (request.kind == EtrnRequest::Kind::queue_name) {
        if (!is_queue_name(node)) {
            error = "5.5.4 Error: invalid queue name";
            return std::nullopt;
        }
        request.node = std::string(node);
    } else if (is_address_literal(node)) {
        request.node = to_lower(node);
    } else if (const auto domain = normalize_domain(node)) {
        request.node = *domain;
    } else {
        error = "5.5.4 Error: invalid domain name";
        return std::nullopt;
    }

    if (words.size() == 2) {
        if (!is_password(words[1])) {
            error = "5.5.4 Error: invalid ETRN password";
            return std::nullopt;
        }
        request.password = std::string(words[1]);
    }
    return request;
}

std::string describe_node(const EtrnRequest& request) {
    switch (request.kind) {
    case EtrnRequest::Kind::domain: return request.node;
    case EtrnRequest::Kind::domain_and_subdomains: return "@" + request.node;
    case EtrnRequest::Kind::queue_name: return "#" + request.node;
    }
    return request.node;
}

}  // namespace odmr
