// TCP and UNIX-domain sockets: parsing "host:port", listening, connecting
// with a deadline, and naming the peer for logs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/deadline.hpp"

namespace odmr {

struct Endpoint {
    std::string host;  // an address, a name, or "" for every address
    std::uint16_t port = 0;
};

// Parses "192.0.2.7:366", "[2001:db8::7]:366", "host.example:366", "*:366",
// "[192.0.2.7]" (the default port) or "366" (every address). Throws
// std::invalid_argument with a sentence that names the value.
Endpoint parse_endpoint(std::string_view text, std::uint16_t default_port);

// Opens listening TCP sockets for an endpoint (one per address it resolves
// to). Throws std::runtime_error naming the endpoint.
std::vector<int> listen_tcp(const Endpoint& endpoint, int backlog = 128);

// Creates a listening UNIX-domain socket, replacing a stale one, with the
// given permission bits.
int listen_unix(const std::string& path, unsigned mode, int backlog = 64);

// Connects to host (a name or an address) and port, trying each address in
// turn until the deadline. Throws IoError naming the endpoint.
int connect_tcp(const std::string& host, std::uint16_t port, Deadline deadline);

// Connects to a UNIX-domain socket. Throws IoError.
int connect_unix(const std::string& path, Deadline deadline);

// The peer's address ("192.0.2.9", "2001:db8::9") and port, or "unknown".
std::string peer_address(int fd);
std::uint16_t peer_port(int fd);
std::string local_address(int fd);

void set_tcp_no_delay(int fd);

// Closes fd unless it is -1.
void close_fd(int fd);

}  // namespace odmr
