#include "plugin/odmrd/tcp_listener.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "smtp/log.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"

namespace odmr {

TcpListener::~TcpListener() { stop(); }

void TcpListener::open(const std::vector<std::string>& addresses, std::uint16_t default_port) {
    for (const auto& address : addresses) {
        if (istarts_with(address, "unix:")) {
            const std::string path = address.substr(5);
            sockets_.push_back(listen_unix(path, 0666));
            unix_paths_.push_back(path);
            log::info(concat("listening for ", name_, " on ", path));
            continue;
        }
        const Endpoint endpoint = parse_endpoint(address, default_port);
        for (const int fd : listen_tcp(endpoint)) sockets_.push_back(fd);
        log::info(concat("listening for ", name_, " on ", endpoint.host.empty() ? "*" : endpoint.host, ":",
                         endpoint.port));
    }
    for (const int fd : sockets_) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void TcpListener::start() {
    int wake[2];
    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) throw std::runtime_error(concat("pipe failed: ", std::strerror(errno)));
    wake_read_ = wake[0];
    wake_write_ = wake[1];
    acceptor_ = std::thread([this] { accept_loop(); });
}

void TcpListener::accept_loop() {
    std::vector<pollfd> entries;
    for (const int fd : sockets_) entries.push_back(pollfd{fd, POLLIN, 0});
    entries.push_back(pollfd{wake_read_, POLLIN, 0});

    while (true) {
        if (poll(entries.data(), entries.size(), -1) < 0 && errno != EINTR) {
            log::error(concat("poll on the ", name_, " sockets failed: ", std::strerror(errno)));
            return;
        }
        if (entries.back().revents != 0) return;

        for (std::size_t i = 0; i + 1 < entries.size(); ++i) {
            if (entries[i].revents == 0) continue;
            const int fd = accept4(entries[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            set_tcp_no_delay(fd);

            // Over a limit the client hears why instead of waiting in the
            // listen queue.
            const std::string address = peer_address(fd);
            std::string reason;
            if (!admit(address, reason)) {
                log::warning(concat(reason, ": rejected [", address, "]:", peer_port(fd)));
                if (!busy_reply_.empty() &&
                    send(fd, busy_reply_.data(), busy_reply_.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                    log::debug("cannot send the too-many-connections reply");
                }
                close(fd);
                continue;
            }

            std::thread([this, fd, address] {
                handler_(fd);
                release(address);
            }).detach();
        }
    }
}

bool TcpListener::admit(const std::string& address, std::string& reason) {
    const std::lock_guard lock(mutex_);
    if (sessions_ >= max_sessions_) {
        reason = concat("too many ", name_, " sessions (", max_sessions_, ")");
        return false;
    }
    int& from_client = sessions_per_client_[address];
    if (max_per_client_ > 0 && from_client >= max_per_client_) {
        reason = concat("too many ", name_, " sessions from one address (", max_per_client_, ")");
        if (from_client == 0) sessions_per_client_.erase(address);
        return false;
    }
    ++sessions_;
    ++from_client;
    return true;
}

void TcpListener::release(const std::string& address) {
    const std::lock_guard lock(mutex_);
    --sessions_;
    if (--sessions_per_client_[address] <= 0) sessions_per_client_.erase(address);
}

void TcpListener::stop() {
    if (wake_write_ >= 0) {
        const char byte = 0;
        if (write(wake_write_, &byte, 1) < 0) log::warning(concat("cannot wake the ", name_, " listener thread"));
        if (acceptor_.joinable()) acceptor_.join();
        close(wake_read_);
        close(wake_write_);
        wake_read_ = wake_write_ = -1;
    }
    for (const int fd : sockets_) close(fd);
    for (const auto& path : unix_paths_) unlink(path.c_str());
    sockets_.clear();
    unix_paths_.clear();
}

}  // namespace odmr
