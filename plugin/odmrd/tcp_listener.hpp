// A listening service: accepts connections on its addresses and serves
// each in a thread of its own, up to max_sessions at once. odmrd runs one
// for the ODMR port, one for its ETRN port and one for Postfix's policy
// requests.
#pragma once

#include <map>
#include <mutex>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace odmr {

class TcpListener {
public:
    // Serves one connection; it owns the socket and must close it.
    using Handler = std::function<void(int fd)>;

    // name goes into log lines ("ATRN", "ETRN", "policy"). busy_reply is
    // what a client over the limit gets before the socket closes.
    // max_per_client limits the sessions from one address (0: no limit).
    TcpListener(std::string name, int max_sessions, int max_per_client, std::string busy_reply, Handler handler)
        : name_(std::move(name)),
          max_sessions_(max_sessions),
          max_per_client_(max_per_client),
          busy_reply_(std::move(busy_reply)),
          handler_(std::move(handler)) {}
    ~TcpListener();
    TcpListener(const TcpListener&) = delete;
    TcpListener& operator=(const TcpListener&) = delete;

    // Binds every address: "host:port" for TCP, "unix:/path" for a
    // UNIX-domain socket. Throws std::runtime_error naming the address.
    void open(const std::vector<std::string>& addresses, std::uint16_t default_port);

    // Accepts connections in a background thread until stop().
    void start();
    void stop();

private:
    void accept_loop();

    // Counts a new session from an address; false when it is over a limit.
    bool admit(const std::string& address, std::string& reason);
    void release(const std::string& address);

    std::string name_;
    int max_sessions_;
    int max_per_client_;
    std::string busy_reply_;
    Handler handler_;
    std::vector<int> sockets_;
    std::vector<std::string> unix_paths_;
    int wake_read_ = -1;
    int wake_write_ = -1;
    std::thread acceptor_;
    std::mutex mutex_;
    int sessions_ = 0;
    std::map<std::string, int> sessions_per_client_;
};

}  // namespace odmr
