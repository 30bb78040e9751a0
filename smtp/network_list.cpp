#include "smtp/network_list.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include "smtp/text.hpp"

namespace odmr {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (istarts_with(text, "IPv6:")) text.remove_prefix(5);
    const std::string copy(text);

    // inet_pton stops at a NUL byte and would accept what comes before it.
    if (copy.find('\0') != std::string::npos) return std::nullopt;

    IpAddress address;
    in_addr v4{};
    if (inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
        address.bytes[10] = 0xff;
        address.bytes[11] = 0xff;
        std::memcpy(&address.bytes[12], &v4, 4);
        return address;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, copy.c_str(), &v6) == 1) {
        std::memcpy(address.bytes.data(), &v6, 16);
        return address;
    }
    return std::nullopt;
}

bool IpAddress::is_v4() const {
    for (int i = 0; i < 10; ++i) {
        if (bytes[i] != 0) return false;
    }
    return bytes[10] == 0xff && bytes[11] == 0xff;
}

std::string IpAddress::text() const {
    char buffer[INET6_ADDRSTRLEN] = {};
    if (is_v4()) {
        inet_ntop(AF_INET, &bytes[12], buffer, sizeof buffer);
    } else {
        inet_ntop(AF_INET6, bytes.data(), buffer, sizeof buffer);
    }
    return buffer;
}

std::optional<NetworkList> NetworkList::parse(std::string_view text, std::string& bad) {
    std::string list(text);
    for (char& c : list) {
        if (c == ',') c = ' ';
    }

    NetworkList result;
    for (auto entry : split_words(list)) {
        bad = printable(entry, 80);
        const auto slash = entry.find('/');
        const auto address = IpAddress::parse(entry.substr(0, slash));
        if (!address) return std::nullopt;

        unsigned prefix = address->is_v4() ? 32 : 128;
        if (slash != std::string_view::npos) {
            const auto digits = entry.substr(slash + 1);
            const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
            if (digits.empty() || parsed.ec != std::errc() || parsed.ptr != digits.data() + digits.size() ||
                prefix > (address->is_v4() ? 32u : 128u)) {
                return std::nullopt;
            }
        }
        result.add(*address, address->is_v4() ? prefix + 96 : prefix);
    }
    bad.clear();
    return result;
}

void NetworkList::add(const IpAddress& address, unsigned prefix_length) {
    networks_.push_back(Network{address, prefix_length});
}

bool NetworkList::contains(const IpAddress& address) const {
    for (const auto& network : networks_) {
        // An IPv6 network such as ::/0 does not cover IPv4 clients, as in
        // Postfix's mynetworks.
        if (network.address.is_v4() != address.is_v4()) continue;
        unsigned bits = network.prefix_length;
        bool match = true;
        for (std::size_t i = 0; i < 16 && bits > 0 && match; ++i) {
            const unsigned take = bits >= 8 ? 8 : bits;
            const std::uint8_t mask = static_cast<std::uint8_t>(0xff00 >> take);
            match = (address.bytes[i] & mask) == (network.address.bytes[i] & mask);
            bits -= take;
        }
        if (match) return true;
    }
    return false;
}

bool NetworkList::contains(std::string_view address) const {
    const auto parsed = IpAddress::parse(address);
    return parsed && contains(*parsed);
}

std::string NetworkList::text() const {
    std::string result;
    for (const auto& network : networks_) {
        if (!result.empty()) result += ", ";
        const unsigned prefix = network.address.is_v4() ? network.prefix_length - 96 : network.prefix_length;
        result += network.address.text();
        if (prefix != (network.address.is_v4() ? 32u : 128u)) result += concat("/", prefix);
    }
    return result;
}

std::vector<IpAddress> local_addresses() {
    std::vector<IpAddress> addresses;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return addresses;

    for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr) continue;
        IpAddress address;
        if (entry->ifa_addr->sa_family == AF_INET) {
            address.bytes[10] = address.bytes[11] = 0xff;
            std::memcpy(&address.bytes[12], &reinterpret_cast<sockaddr_in*>(entry->ifa_addr)->sin_addr, 4);
        } else if (entry->ifa_addr->sa_family == AF_INET6) {
            std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in6*>(entry->ifa_addr)->sin6_addr, 16);
        } else {
            continue;
        }
        addresses.push_back(address);
    }
    freeifaddrs(list);
    return addresses;
}

}  // namespace odmr

namespace odmr {

std::vector<IpAddress> resolve_addresses(const std::string& host) {
    if (const auto literal = IpAddress::parse(host)) return {*literal};

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    std::vector<IpAddress> addresses;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &list) != 0) return addresses;

    for (addrinfo* entry = list; entry != nullptr; entry = entry->ai_next) {
        IpAddress address;
        if (entry->ai_family == AF_INET) {
            address.bytes[10] = address.bytes[11] = 0xff;
            std::memcpy(&address.bytes[12], &reinterpret_cast<sockaddr_in*>(entry->ai_addr)->sin_addr, 4);
        } else if (entry->ai_family == AF_INET6) {
            std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in6*>(entry->ai_addr)->sin6_addr, 16);
        } else {
            continue;
        }
        addresses.push_back(address);
    }
    freeaddrinfo(list);
    return addresses;
}

}  // namespace odmr
