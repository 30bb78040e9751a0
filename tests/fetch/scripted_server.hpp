// A server for one connection that follows a script in a thread: the fake
// provider or fake local MTA of tests where no real program can misbehave
// in the way the test needs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "smtp/connection.hpp"

namespace odmr::test {

class ScriptedServer {
public:
    using Script = std::function<void(Connection&)>;

    // Listens on a free loopback port and runs the script on each of the
    // first `connections` connections, one after the other. An exception
    // the script does not catch ends that connection and is kept for
    // error().
    explicit ScriptedServer(Script script, int connections = 1);
    ~ScriptedServer();
    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;

    std::uint16_t port() const { return port_; }

    // Waits until the script has ended on every connection.
    bool wait_done(std::chrono::milliseconds timeout) const;
    std::string error() const;

private:
    void serve(Script script, int connections);

    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<bool> done_{false};
    mutable std::mutex mutex_;
    std::string error_;
    std::thread thread_;
};

// Reads lines until one starts with `verb` (case-insensitive); returns it.
std::string read_command(Connection& connection, const std::string& verb);

}  // namespace odmr::test
