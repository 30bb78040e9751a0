// The customer's MTA in every run: Postfix's smtp-sink, which accepts mail
// with PIPELINING and throws it away, on 127.0.0.2. With -c it prints its
// counters each time a message ends with "." (and at each QUIT and each
// session end). The driver stamps every counter line as it arrives, so it
// has the time each message was accepted. The address is 127.0.0.2
// because odmrd rejects an ETRN address that is one of the host's own
// interface addresses, and 127.0.0.1 is one.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bench/end_to_end/timed_process.hpp"

namespace odmr::bench {

class MessageSink {
public:
    static constexpr const char* address = "127.0.0.2";

    // Starts smtp-sink; its counter lines go to directory/smtp-sink.log.
    explicit MessageSink(const std::string& directory);

    std::uint16_t port() const { return port_; }

    // Messages accepted since the sink started.
    std::uint64_t messages() const;

    // Waits until `count` messages in all have arrived; false on timeout.
    bool wait_for_messages(std::uint64_t count, std::chrono::milliseconds timeout) const;

    // When the message with this number (1 for the first since the sink
    // started) arrived. Call after wait_for_messages returned true.
    Clock::time_point arrival_of(std::uint64_t number) const;

private:
    void record(const std::string& line, Clock::time_point arrived);

    std::uint16_t port_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::vector<Clock::time_point> arrivals_;
    std::unique_ptr<TimedProcess> process_;
};

}  // namespace odmr::bench
