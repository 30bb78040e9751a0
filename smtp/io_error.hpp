// Errors that end a connection: the peer closed it, a deadline passed, the
// system call failed, TLS failed, or the peer broke the protocol.
#pragma once

#include <stdexcept>
#include <string>

namespace odmr {

class IoError : public std::runtime_error {
public:
    enum class Kind { end_of_file, timeout, system, tls, protocol };

    IoError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    Kind kind() const { return kind_; }

private:
    Kind kind_;
};

}  // namespace odmr
