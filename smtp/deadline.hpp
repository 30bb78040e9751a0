// Points in time by which a network operation must finish. Every read and
// write in odmr takes one, so no peer can stall a session for ever.
#pragma once

#include <algorithm>
#include <chrono>

namespace odmr {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::seconds;
using Milliseconds = std::chrono::milliseconds;

class Deadline {
public:
    static Deadline after(Clock::duration timeout) { return Deadline(Clock::now() + timeout); }
    static Deadline never() { return Deadline(Clock::time_point::max()); }

    // The earlier of two deadlines: an idle timeout bounded by a session's
    // total deadline.
    static Deadline earliest(Deadline a, Deadline b) { return Deadline(std::min(a.at_, b.at_)); }

    bool expired() const { return Clock::now() >= at_; }

    // Milliseconds left, for poll(2): -1 waits without limit.
    int poll_timeout() const {
        if (at_ == Clock::time_point::max()) return -1;
        const auto left = std::chrono::duration_cast<Milliseconds>(at_ - Clock::now()).count();
        if (left <= 0) return 0;
        return static_cast<int>(std::min<long long>(left, 24LL * 3600 * 1000));
    }

    Clock::time_point time_point() const { return at_; }

private:
    explicit Deadline(Clock::time_point at) : at_(at) {}
    Clock::time_point at_;
};

}  // namespace odmr
