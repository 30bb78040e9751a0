#include "plugin/odmrd/bridge_listener.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "plugin/odmrd/bridge_paths.hpp"
#include "smtp/log.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"

namespace odmr {

BridgeListener::BridgeListener(std::shared_ptr<CustomerSession> session, std::string directory, gid_t socket_group,
                               BridgeSettings settings)
    : session_(std::move(session)),
      directory_(std::move(directory)),
      socket_group_(socket_group),
      settings_(std::move(settings)) {}

BridgeListener::~BridgeListener() { stop(); }

void BridgeListener::start() {
    int wake[2];
    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) throw std::runtime_error(concat("pipe failed: ", std::strerror(errno)));
    wake_read_ = wake[0];
    wake_write_ = wake[1];

    for (const auto& domain : session_->identity().domains) {
        const std::string path = bridge_socket_path(directory_, domain);
        // Only the owner and Postfix's group may connect: anyone else could
        // inject mail into the customer's session.
        const int fd = listen_unix(path, 0660);
        sockets_.emplace_back(fd, path);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        if (socket_group_ != static_cast<gid_t>(-1) && chown(path.c_str(), static_cast<uid_t>(-1), socket_group_) < 0) {
            throw std::runtime_error(concat("cannot give ", path, " to group ", socket_group_, ": ", std::strerror(errno)));
        }
    }
    acceptor_ = std::thread([this] { accept_loop(); });
}

void BridgeListener::accept_loop() {
    std::vector<pollfd> entries;
    for (const auto& socket : sockets_) entries.push_back(pollfd{socket.first, POLLIN, 0});
    entries.push_back(pollfd{wake_read_, POLLIN, 0});

    while (true) {
        const int ready = poll(entries.data(), entries.size(), -1);
        if (ready < 0 && errno != EINTR) {
            log::error(concat("poll on the bridge sockets failed: ", std::strerror(errno)));
            return;
        }
        if (entries.back().revents != 0) return;

        for (std::size_t i = 0; i + 1 < entries.size(); ++i) {
            if (entries[i].revents == 0) continue;
            const int fd = accept4(entries[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;

            const std::lock_guard lock(mutex_);
            connections_.insert(fd);
            ++running_;
            std::thread([this, fd] { serve_connection(fd); }).detach();
        }
    }
}

void BridgeListener::serve_connection(int fd) {
    {
        LmtpBridgeConnection connection(fd, session_, settings_);
        connection.run();

        // The fd leaves the set before the connection closes it, so stop()
        // never shuts down a number the system has given to another file.
        const std::lock_guard lock(mutex_);
        connections_.erase(fd);
    }
    const std::lock_guard lock(mutex_);
    --running_;
    finished_.notify_all();
}

void BridgeListener::stop() {
    if (wake_write_ < 0) return;

    const char byte = 0;
    if (write(wake_write_, &byte, 1) < 0) log::warning(concat("cannot wake the bridge acceptor: ", std::strerror(errno)));
    if (acceptor_.joinable()) acceptor_.join();

    for (const auto& [fd, path] : sockets_) {
        close(fd);
        unlink(path.c_str());
    }
    sockets_.clear();

    // Idle connections that Postfix keeps for reuse end now; Postfix sees
    // end of file and opens a new one next time.
    std::unique_lock lock(mutex_);
    for (const int fd : connections_) shutdown(fd, SHUT_RDWR);
    finished_.wait(lock, [this] { return running_ == 0; });
    lock.unlock();

    close(wake_read_);
    close(wake_write_);
    wake_read_ = wake_write_ = -1;
}

}  // namespace odmr
