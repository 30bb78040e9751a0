#include "smtp/socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "smtp/io_error.hpp"
#include "smtp/text.hpp"

namespace odmr {

static std::uint16_t parse_port(std::string_view text, std::string_view whole) {
    unsigned value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size() || value == 0 ||
        value > 65535) {
        throw std::invalid_argument(concat("invalid port in '", printable(whole, 80), "'; use a number from 1 to 65535"));
    }
    return static_cast<std::uint16_t>(value);
}

Endpoint parse_endpoint(std::string_view text, std::uint16_t default_port) {
    Endpoint endpoint;
    endpoint.port = default_port;
    if (text.empty()) throw std::invalid_argument("empty address; use host:port");
    // A NUL byte would cut the host short once it reaches getaddrinfo.
    if (text.find('\0') != std::string_view::npos) throw std::invalid_argument(concat("NUL byte in '", printable(text, 80), "'"));

    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            throw std::invalid_argument(concat("missing ']' in '", printable(text, 80), "'"));
        }
        endpoint.host = std::string(text.substr(1, close - 1));
        if (istarts_with(endpoint.host, "IPv6:")) endpoint.host.erase(0, 5);
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') throw std::invalid_argument(concat("expected ':' after ']' in '", printable(text, 80), "'"));
            endpoint.port = parse_port(rest.substr(1), text);
        }
        return endpoint;
    }

    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        // A bare number is a port on every address; anything else a host.
        if (text.find_first_not_of("0123456789") == std::string_view::npos) {
            endpoint.port = parse_port(text, text);
        } else {
            endpoint.host = std::string(text);
        }
        return endpoint;
    }
    if (text.find(':') != colon) {
        throw std::invalid_argument(concat("an IPv6 address needs brackets: '[", printable(text, 80), "]:port'"));
    }
    endpoint.host = std::string(text.substr(0, colon));
    if (endpoint.host == "*") endpoint.host.clear();
    endpoint.port = parse_port(text.substr(colon + 1), text);
    return endpoint;
}

static addrinfo* resolve(const std::string& host, std::uint16_t port, bool passive) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    if (passive) hints.ai_flags = AI_PASSIVE;
    addrinfo* list = nullptr;
    const std::string service = std::to_string(port);
    const int status = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &list);
    if (status != 0) {
        throw std::runtime_error(concat("cannot resolve '", host, "': ", gai_strerror(status)));
    }
    return list;
}

std::vector<int> listen_tcp(const Endpoint& endpoint, int backlog) {
    addrinfo* list = resolve(endpoint.host, endpoint.port, true);
    std::vector<int> sockets;
    std::string failure;
    for (addrinfo* entry = list; entry != nullptr; entry = entry->ai_next) {
        const int fd = socket(entry->ai_family, entry->ai_socktype | SOCK_CLOEXEC, entry->ai_protocol);
        if (fd < 0) continue;

        const int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (entry->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
        if (bind(fd, entry->ai_addr, entry->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
            failure = std::strerror(errno);
            close(fd);
            continue;
        }
        sockets.push_back(fd);
    }
    freeaddrinfo(list);

    if (sockets.empty()) {
        throw std::runtime_error(concat("cannot listen on ", endpoint.host.empty() ? "*" : endpoint.host, ":",
                                        endpoint.port, ": ", failure.empty() ? "no usable address" : failure));
    }
    return sockets;
}

static sockaddr_un unix_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
        throw std::runtime_error(concat("the socket path ", path, " is longer than ", sizeof address.sun_path - 1,
                                        " bytes; choose a shorter directory"));
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

int listen_unix(const std::string& path, unsigned mode, int backlog) {
    const sockaddr_un address = unix_address(path);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(concat("cannot create a socket: ", std::strerror(errno)));

    unlink(path.c_str());
    if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0 || chmod(path.c_str(), mode) < 0 ||
        listen(fd, backlog) < 0) {
        const std::string reason = std::strerror(errno);
        close(fd);
        throw std::runtime_error(concat("cannot listen on ", path, ": ", reason));
    }
    return fd;
}

// Finishes a non-blocking connect(2) by the deadline; returns 0 or errno.
static int finish_connect(int fd, Deadline deadline) {
    pollfd entry{fd, POLLOUT, 0};
    const int ready = poll(&entry, 1, deadline.poll_timeout());
    if (ready == 0) return ETIMEDOUT;
    if (ready < 0) return errno;

    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    return error;
}

int connect_tcp(const std::string& host, std::uint16_t port, Deadline deadline) {
    addrinfo* list = nullptr;
    try {
        list = resolve(host, port, false);
    } catch (const std::runtime_error& error) {
        throw IoError(IoError::Kind::system, error.what());
    }

    std::string failure = "no address";
    for (addrinfo* entry = list; entry != nullptr; entry = entry->ai_next) {
        const int fd = socket(entry->ai_family, entry->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, entry->ai_protocol);
        if (fd < 0) continue;

        int error = 0;
        if (connect(fd, entry->ai_addr, entry->ai_addrlen) < 0) {
            error = errno == EINPROGRESS ? finish_connect(fd, deadline) : errno;
        }
        if (error == 0) {
            freeaddrinfo(list);
            set_tcp_no_delay(fd);
            return fd;
        }
        failure = std::strerror(error);
        close(fd);
        if (deadline.expired()) break;
    }
    freeaddrinfo(list);
    throw IoError(IoError::Kind::system, concat("cannot connect to ", host, ":", port, ": ", failure));
}

int connect_unix(const std::string& path, Deadline deadline) {
    sockaddr_un address{};
    try {
        address = unix_address(path);
    } catch (const std::runtime_error& error) {
        throw IoError(IoError::Kind::system, error.what());
    }
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) throw IoError(IoError::Kind::system, concat("cannot create a socket: ", std::strerror(errno)));

    int error = 0;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0) {
        error = (errno == EINPROGRESS || errno == EAGAIN) ? finish_connect(fd, deadline) : errno;
    }
    if (error != 0) {
        close(fd);
        throw IoError(IoError::Kind::system, concat("cannot connect to ", path, ": ", std::strerror(error)));
    }
    return fd;
}

static std::string address_text(const sockaddr_storage& address) {
    char text[INET6_ADDRSTRLEN] = "unknown";
    if (address.ss_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
    } else if (address.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
        // Show an IPv4-mapped peer ("::ffff:192.0.2.9") as plain IPv4.
        if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) {
            inet_ntop(AF_INET, &v6.sin6_addr.s6_addr[12], text, sizeof text);
        } else {
            inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
        }
    } else if (address.ss_family == AF_UNIX) {
        return "local";
    }
    return text;
}

std::string peer_address(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) < 0) return "unknown";
    return address_text(address);
}

std::string local_address(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) < 0) return "unknown";
    return address_text(address);
}

std::uint16_t peer_port(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) < 0) return 0;
    if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
    if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
    return 0;
}

void set_tcp_no_delay(int fd) {
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void close_fd(int fd) {
    if (fd >= 0) close(fd);
}

}  // namespace odmr
