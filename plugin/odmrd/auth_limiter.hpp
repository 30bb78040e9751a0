// Slows down password guessing on the ODMR port. Every failed AUTH waits
// before its reply. An address with too many failures within the window is
// locked out for a while. A login under attack from many addresses is not
// locked out, because anyone could then lock its owner out: its failures
// wait longer instead. Each lockout and each throttle is logged once when
// it begins, not per attempt.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "smtp/deadline.hpp"

namespace odmr {

struct AuthLimits {
    Milliseconds failure_delay{1000};   // before each 535 reply
    int address_failures = 10;          // failures from one address that lock it out
    int login_failures = 10;            // failures for one login that start its throttle
    Seconds window{600};                // how long a failure counts
    Seconds lockout_time{600};          // how long a locked-out address stays locked out
};

class AuthLimiter {
public:
    explicit AuthLimiter(AuthLimits limits) : limits_(limits) {}

    // True while the address is locked out.
    bool locked_out(const std::string& address);

    // Counts a failure and returns how long to wait before replying.
    Milliseconds record_failure(const std::string& address, const std::string& login);

    // A success clears the address's failures.
    void record_success(const std::string& address);

private:
    struct Counter {
        int failures = 0;
        Clock::time_point first_failure{};
        Clock::time_point locked_until{};
        bool reported = false;
    };

    static void count(Counter& counter, Clock::time_point now, Clock::duration window);
    void prune(Clock::time_point now);

    const AuthLimits limits_;
    std::mutex mutex_;
    std::map<std::string, Counter> addresses_;
    std::map<std::string, Counter> logins_;
};

}  // namespace odmr
