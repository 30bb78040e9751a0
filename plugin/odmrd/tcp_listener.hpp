// The ODMR port: accepts connections and serves each in its own thread,
// up to max_sessions at once.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "plugin/odmrd/atrn_server_session.hpp"

namespace odmr {

class AtrnListener {
public:
    explicit AtrnListener(const ServerContext& context) : context_(context) {}
    ~AtrnListener();

    // Binds every listen address. Throws std::runtime_error naming the
    // address that failed.
    void open(const std::vector<std::string>& addresses);

    // Accepts connections in a background thread until stop().
    void start();
    void stop();

private:
    void accept_loop();

    const ServerContext& context_;
    std::vector<int> sockets_;
    int wake_read_ = -1;
    int wake_write_ = -1;
    std::thread acceptor_;
    std::atomic<int> sessions_{0};
};

}  // namespace odmr
