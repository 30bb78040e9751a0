#include "smtp/stream.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "smtp/io_error.hpp"
#include "smtp/text.hpp"

namespace odmr {

static void set_non_blocking(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void wait_for_fd(int fd, short events, Deadline deadline, const char* what) {
    while (true) {
        pollfd entry{fd, events, 0};
        const int ready = poll(&entry, 1, deadline.poll_timeout());
        if (ready > 0) return;
        if (ready == 0) throw IoError(IoError::Kind::timeout, concat("timeout while ", what));
        if (errno != EINTR) throw IoError(IoError::Kind::system, concat("poll failed: ", std::strerror(errno)));
    }
}

FdStream::FdStream(int input_fd, int output_fd, bool owned)
    : input_fd_(input_fd), output_fd_(output_fd), owned_(owned) {
    set_non_blocking(input_fd_);
    if (output_fd_ != input_fd_) set_non_blocking(output_fd_);
}

FdStream::~FdStream() {
    if (!owned_) return;
    close(input_fd_);
    if (output_fd_ != input_fd_) close(output_fd_);
}

std::size_t FdStream::read_some(char* buffer, std::size_t size, Deadline deadline) {
    while (true) {
        const ssize_t count = read(input_fd_, buffer, size);
        if (count > 0) return static_cast<std::size_t>(count);
        if (count == 0) throw IoError(IoError::Kind::end_of_file, "connection closed by peer");

        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            throw IoError(IoError::Kind::system, concat("read failed: ", std::strerror(errno)));
        }
        wait_for_fd(input_fd_, POLLIN, deadline, "reading");
    }
}

void FdStream::write_all(std::string_view data, Deadline deadline) {
    while (!data.empty()) {
        // MSG_NOSIGNAL keeps a closed peer from raising SIGPIPE; it works on
        // sockets only, so pipes fall back to write(2).
        ssize_t count = send(output_fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (count < 0 && errno == ENOTSOCK) count = write(output_fd_, data.data(), data.size());
        if (count > 0) {
            data.remove_prefix(static_cast<std::size_t>(count));
            continue;
        }

        if (count < 0 && errno == EINTR) continue;
        if (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            throw IoError(IoError::Kind::system, concat("write failed: ", std::strerror(errno)));
        }
        wait_for_fd(output_fd_, POLLOUT, deadline, "writing");
    }
}

bool FdStream::input_pending() {
    // A peek tells data from end of file, which poll(2) reports alike.
    char byte;
    const ssize_t count = recv(input_fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (count >= 0 || errno != ENOTSOCK) return count > 0;

    pollfd entry{input_fd_, POLLIN, 0};
    return poll(&entry, 1, 0) > 0 && (entry.revents & POLLIN);
}

void FdStream::shutdown_write() {
    shutdown(output_fd_, SHUT_WR);
}

}  // namespace odmr
