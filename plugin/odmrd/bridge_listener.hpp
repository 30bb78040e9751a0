// The bridge sockets of one customer session: a listening UNIX-domain
// socket per domain while the session runs, and a thread per connection
// from Postfix's lmtp client.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "plugin/odmrd/lmtp_bridge.hpp"

namespace odmr {

class BridgeListener {
public:
    // socket_group is the group allowed to connect (Postfix's), or -1 to
    // leave the group as created.
    BridgeListener(std::shared_ptr<CustomerSession> session, std::string directory, gid_t socket_group,
                   BridgeSettings settings);
    ~BridgeListener();
    BridgeListener(const BridgeListener&) = delete;
    BridgeListener& operator=(const BridgeListener&) = delete;

    // Creates the sockets and starts accepting. Throws std::runtime_error.
    void start();

    // Removes the sockets, ends the connections and waits for their
    // threads. Call it once the session has no transaction running.
    void stop();

private:
    void accept_loop();
    void serve_connection(int fd);

    std::shared_ptr<CustomerSession> session_;
    std::string directory_;
    gid_t socket_group_;
    BridgeSettings settings_;

    std::vector<std::pair<int, std::string>> sockets_;  // listening fd and path
    int wake_read_ = -1;
    int wake_write_ = -1;
    std::thread acceptor_;

    std::mutex mutex_;
    std::condition_variable finished_;
    std::set<int> connections_;  // open connection sockets
    int running_ = 0;            // connection threads still running
};

}  // namespace odmr
