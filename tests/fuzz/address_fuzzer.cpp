// Fuzzes the checks every domain and address from a client or a table goes
// through: normalize_domain, address literals, IP addresses, network lists
// and "host:port" endpoints.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "smtp/domain.hpp"
#include "smtp/network_list.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

void check_domain(std::string_view text) {
    const auto domain = normalize_domain(text);
    if (!domain) return;
    require(!domain->empty() && domain->size() <= 253, "a domain of invalid length was accepted");
    require(*domain == to_lower(*domain), "a normalized domain is not lower case");
    require(domain->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") == std::string::npos,
            "a domain with a character outside letters, digits, '-' and '.' was accepted");
    require(normalize_domain(*domain) == domain, "normalize_domain is not idempotent");
    require(is_same_or_subdomain(*domain, *domain), "a domain is not the same as itself");
}

void check_address(std::string_view text) {
    if (is_address_literal(text)) {
        require(text.find('\0') == std::string_view::npos, "an address literal with a NUL byte was accepted");
    }

    const auto address = IpAddress::parse(text);
    if (!address) return;
    require(text.find('\0') == std::string_view::npos, "an IP address with a NUL byte was accepted");
    const auto again = IpAddress::parse(address->text());
    require(again && *again == *address, "IpAddress::text does not parse back to the same address");
}

void check_network_list(std::string_view text) {
    std::string bad;
    const auto list = NetworkList::parse(text, bad);
    if (!list) {
        require(fuzz::is_printable_ascii(bad), "the rejected entry is not printable");
        return;
    }
    std::string again_bad;
    const auto again = NetworkList::parse(list->text(), again_bad);
    require(again.has_value(), "NetworkList::text does not parse back");
    require(again->text() == list->text(), "NetworkList::text changed in a round trip");
}

void check_endpoint(std::string_view text) {
    try {
        const Endpoint endpoint = parse_endpoint(text, 366);
        require(endpoint.host.find('\0') == std::string::npos, "a host with a NUL byte was accepted");
    } catch (const std::invalid_argument& error) {
        require(fuzz::is_printable_ascii(error.what()), "the endpoint error is not printable");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_domain(input);
    check_address(input);
    check_network_list(input);
    check_endpoint(input);
    domain_of(input);
    return 0;
}
