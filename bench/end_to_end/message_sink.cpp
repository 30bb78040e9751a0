#include "bench/end_to_end/message_sink.hpp"

#include <cstdlib>
#include <stdexcept>

#include "tests/harness/network.hpp"

namespace odmr::bench {

namespace {

// The value after "name=" in a counter line "sess=3 quit=2 mesg=12".
std::uint64_t counter_value(const std::string& line, const std::string& name) {
    const auto at = line.find(name + "=");
    if (at == std::string::npos) return 0;
    return std::strtoull(line.c_str() + at + name.size() + 1, nullptr, 10);
}

}  // namespace

MessageSink::MessageSink(const std::string& directory) : port_(test::free_port(address)) {
    // -C leaves XCLIENT out, so odmr-fetch relays without it, as into a
    // customer's MTA that does not trust it. smtp-sink must drop root.
    const std::string endpoint = std::string(address) + ":" + std::to_string(port_);
    process_ = std::make_unique<TimedProcess>(
        std::vector<std::string>{"/usr/sbin/smtp-sink", "-c", "-C", "-u", "nobody", endpoint, "256"},
        directory + "/smtp-sink.log", [this](const std::string& line, Clock::time_point arrived) { record(line, arrived); });
    if (!test::wait_for_port(port_, std::chrono::seconds(10), address)) {
        throw std::runtime_error("smtp-sink does not listen on " + endpoint + "; see " + directory + "/smtp-sink.log");
    }
}

void MessageSink::record(const std::string& line, Clock::time_point arrived) {
    const std::uint64_t messages = counter_value(line, "mesg");
    {
        const std::lock_guard lock(mutex_);
        while (arrivals_.size() < messages) arrivals_.push_back(arrived);
    }
    changed_.notify_all();
}

std::uint64_t MessageSink::messages() const {
    const std::lock_guard lock(mutex_);
    return arrivals_.size();
}

bool MessageSink::wait_for_messages(std::uint64_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return arrivals_.size() >= count; });
}

Clock::time_point MessageSink::arrival_of(std::uint64_t number) const {
    const std::lock_guard lock(mutex_);
    if (number == 0 || number > arrivals_.size()) {
        throw std::out_of_range("message " + std::to_string(number) + " has not arrived at the sink");
    }
    return arrivals_[number - 1];
}

}  // namespace odmr::bench
