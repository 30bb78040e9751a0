#include "tests/harness/network.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace odmr::test {

std::uint16_t free_port(const std::string& host) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    address.sin_port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
        close(fd);
        throw std::runtime_error("cannot bind a free port");
    }
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
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
