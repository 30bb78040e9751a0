#include "tests/harness/network.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>

namespace odmr::test {

namespace {

// The lowest port the kernel hands out for outgoing connections. A listening
// port picked below it cannot be taken by a client socket of another test in
// the moment between the pick and the server's bind.
std::uint16_t ephemeral_range_start() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    unsigned low = 0;
    if (range >> low && low > 2048 && low <= 65535) return static_cast<std::uint16_t>(low);
    return 32768;
}

bool can_bind(const std::string& host, std::uint16_t port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    address.sin_port = htons(port);
    const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return bound;
}

}  // namespace

std::uint16_t free_port(const std::string& host) {
    // Random, so that tests running in parallel rarely try the same port.
    static std::mutex mutex;
    static std::mt19937 random(static_cast<unsigned>(getpid()) ^ std::random_device{}());
    const std::lock_guard lock(mutex);

    // Ports from 10000 up stay clear of the usual fixed service ports.
    const std::uint16_t end = ephemeral_range_start();
    const unsigned start = end > 12000 ? 10000 : 1024;
    std::uniform_int_distribution<unsigned> pick(start, end - 1u);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const auto port = static_cast<std::uint16_t>(pick(random));
        if (can_bind(host, port)) return port;
    }
    throw std::runtime_error("no free port below " + std::to_string(end) + " on " + host + " after 1000 attempts");
}

bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout, const std::string& host) {
    return wait_until(
        [port, &host] {
            const int fd = socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in address{};
            address.sin_family = AF_INET;
            inet_pton(AF_INET, host.c_str(), &address.sin_addr);
            address.sin_port = htons(port);
            const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
            close(fd);
            return connected;
        },
        timeout);
}

}  // namespace odmr::test
