// Loopback ports for tests: every test picks its own, so two runs on one
// machine never collide.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace odmr::test {

// A TCP port on the loopback address that was free a moment ago, chosen
// below the kernel's range for outgoing connections.
std::uint16_t free_port(const std::string& address = "127.0.0.1");

// Waits until something accepts connections on address:port.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout, const std::string& address = "127.0.0.1");

// Waits until a condition holds, checking every 50 ms.
template <typename Condition>
bool wait_until(Condition condition, std::chrono::milliseconds timeout);

}  // namespace odmr::test

#include <thread>

template <typename Condition>
bool odmr::test::wait_until(Condition condition, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}
