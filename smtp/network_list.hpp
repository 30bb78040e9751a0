// Lists of client addresses and networks, such as an admin writes them in
// a table: "192.0.2.7, 198.51.100.0/24, [2001:db8::]/32, 2001:db8::7".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace odmr {

// An IPv4 or IPv6 address in network byte order; IPv4 is stored as an
// IPv4-mapped IPv6 address, so one comparison serves both.
struct IpAddress {
    std::array<std::uint8_t, 16> bytes{};

    // Parses "192.0.2.7", "2001:db8::7" or either in brackets
    // ("[IPv6:...]" too). Returns nothing when text is not an address.
    static std::optional<IpAddress> parse(std::string_view text);

    bool is_v4() const;
    std::string text() const;
    bool operator==(const IpAddress& other) const { return bytes == other.bytes; }
};

class NetworkList {
public:
    // Parses a list separated by commas or spaces. Returns nothing and sets
    // bad to the offending entry when one is neither an address nor a
    // network with a valid prefix length.
    static std::optional<NetworkList> parse(std::string_view text, std::string& bad);

    void add(const IpAddress& address, unsigned prefix_length);
    bool contains(const IpAddress& address) const;
    bool contains(std::string_view address) const;
    bool empty() const { return networks_.empty(); }
    std::string text() const;

private:
    struct Network {
        IpAddress address;
        unsigned prefix_length;  // in bits of the IPv6 form
    };
    std::vector<Network> networks_;
};

// The addresses of this host's network interfaces.
std::vector<IpAddress> local_addresses();

// The A and AAAA addresses of a host name, or the address itself when host
// is one. Empty when the name does not resolve.
std::vector<IpAddress> resolve_addresses(const std::string& host);

}  // namespace odmr
