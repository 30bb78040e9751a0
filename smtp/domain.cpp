#include "smtp/domain.hpp"

#include <arpa/inet.h>

#include "smtp/text.hpp"

namespace odmr {

static bool is_letter_or_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::optional<std::string> normalize_domain(std::string_view text) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    if (text.empty() || text.size() > 253) return std::nullopt;

    for (auto label : split(text, '.')) {
        if (label.empty() || label.size() > 63) return std::nullopt;
        if (label.front() == '-' || label.back() == '-') return std::nullopt;
        for (char c : label) {
            if (!is_letter_or_digit(c) && c != '-') return std::nullopt;
        }
    }
    return to_lower(text);
}

bool is_address_literal(std::string_view text) {
    if (text.size() < 3 || text.front() != '[' || text.back() != ']') return false;
    const std::string inner(text.substr(1, text.size() - 2));

    // inet_pton stops at a NUL byte, so without this check "[192.0.2.7\0x]"
    // would pass as the address before the NUL.
    if (inner.find('\0') != std::string::npos) return false;

    unsigned char buffer[16];
    if (istarts_with(inner, "IPv6:")) return inet_pton(AF_INET6, inner.c_str() + 5, buffer) == 1;
    return inet_pton(AF_INET, inner.c_str(), buffer) == 1;
}

std::string domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return {};
    return to_lower(address.substr(at + 1));
}

bool is_same_or_subdomain(std::string_view domain, std::string_view parent) {
    if (domain.size() == parent.size()) return iequals(domain, parent);
    if (domain.size() < parent.size() + 1) return false;

    const auto suffix_start = domain.size() - parent.size();
    return domain[suffix_start - 1] == '.' && iequals(domain.substr(suffix_start), parent);
}

}  // namespace odmr
