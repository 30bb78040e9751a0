// A bidirectional byte stream with deadlines: a socket, a pair of file
// descriptors (standard input and output under inetd, systemd or Postfix's
// spawn), or a TLS connection over a socket.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "smtp/deadline.hpp"

namespace odmr {

class Stream {
public:
    virtual ~Stream() = default;

    // Reads at least one byte. Throws IoError on end of file, timeout or
    // failure.
    virtual std::size_t read_some(char* buffer, std::size_t size, Deadline deadline) = 0;

    // Writes every byte or throws IoError.
    virtual void write_all(std::string_view data, Deadline deadline) = 0;

    // True when a read would return data without waiting.
    virtual bool input_pending() = 0;

    // Closes the sending direction, so the peer sees end of file.
    virtual void shutdown_write() = 0;

    virtual int input_fd() const = 0;
    virtual int output_fd() const = 0;
};

// A stream over plain file descriptors. The descriptors are switched to
// non-blocking mode and closed by the destructor when owned.
class FdStream : public Stream {
public:
    FdStream(int input_fd, int output_fd, bool owned);
    explicit FdStream(int socket_fd) : FdStream(socket_fd, socket_fd, true) {}
    ~FdStream() override;
    FdStream(const FdStream&) = delete;
    FdStream& operator=(const FdStream&) = delete;

    std::size_t read_some(char* buffer, std::size_t size, Deadline deadline) override;
    void write_all(std::string_view data, Deadline deadline) override;
    bool input_pending() override;
    void shutdown_write() override;
    int input_fd() const override { return input_fd_; }
    int output_fd() const override { return output_fd_; }

    // Gives up ownership, so a TLS stream can take the socket over.
    void release() { owned_ = false; }

private:
    int input_fd_;
    int output_fd_;
    bool owned_;
};

// Waits until fd is ready for reading (events = POLLIN) or writing
// (POLLOUT). Throws IoError with kind timeout when the deadline passes.
void wait_for_fd(int fd, short events, Deadline deadline, const char* what);

}  // namespace odmr
