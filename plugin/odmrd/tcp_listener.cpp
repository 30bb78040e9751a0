#include "plugin/odmrd/atrn_listener.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "smtp/log.hpp"
#include "smtp/socket.hpp"
#include "smtp/stream.hpp"
#include "smtp/text.hpp"

namespace odmr {

AtrnListener::~AtrnListener() { stop(); }

void AtrnListener::open(const std::vector<std::string>& addresses) {
    for (const auto& address : addresses) {
        const Endpoint endpoint = parse_endpoint(address, 366);
        for (const int fd : listen_tcp(endpoint)) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            sockets_.push_back(fd);
        }
        log::info(concat("listening for ATRN on ", endpoint.host.empty() ? "*" : endpoint.host, ":", endpoint.port));
    }
}

void AtrnListener::start() {
    int wake[2];
    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) throw std::runtime_error(concat("pipe failed: ", std::strerror(errno)));
    wake_read_ = wake[0];
    wake_write_ = wake[1];
    acceptor_ = std::thread([this] { accept_loop(); });
}

void AtrnListener::accept_loop() {
    std::vector<pollfd> entries;
    for (const int fd : sockets_) entries.push_back(pollfd{fd, POLLIN, 0});
    entries.push_back(pollfd{wake_read_, POLLIN, 0});

    while (true) {
        if (poll(entries.data(), entries.size(), -1) < 0 && errno != EINTR) {
            log::error(concat("poll on the listening sockets failed: ", std::strerror(errno)));
            return;
        }
        if (entries.back().revents != 0) return;

        for (std::size_t i = 0; i + 1 < entries.size(); ++i) {
            if (entries[i].revents == 0) continue;
            const int fd = accept4(entries[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            set_tcp_no_delay(fd);

            // Over the limit the client hears why instead of waiting in the
            // listen queue.
            if (sessions_.load() >= context_.settings.max_sessions) {
                log::warning(concat("too many sessions (", context_.settings.max_sessions, "): rejected [",
                                    peer_address(fd), "]:", peer_port(fd)));
                static const char busy[] = "421 4.3.2 Too many connections; try again later\r\n";
                if (send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                    log::debug("cannot send the too-many-connections reply");
                }
                close(fd);
                continue;
            }

            ++sessions_;
            std::thread([this, fd] {
                AtrnServerSession session(std::make_unique<FdStream>(fd), peer_address(fd), peer_port(fd), context_);
                session.run();
                --sessions_;
            }).detach();
        }
    }
}

void AtrnListener::stop() {
    if (wake_write_ >= 0) {
        const char byte = 0;
        if (write(wake_write_, &byte, 1) < 0) log::warning("cannot wake the listener thread");
        if (acceptor_.joinable()) acceptor_.join();
        close(wake_read_);
        close(wake_write_);
        wake_read_ = wake_write_ = -1;
    }
    for (const int fd : sockets_) close(fd);
    sockets_.clear();
}

}  // namespace odmr
