#include "plugin/odmrd/auth_limiter.hpp"

#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

// Bounds the memory an attacker can make odmrd spend on counters.
constexpr std::size_t max_counters = 100000;

// How much longer a throttled login's failures wait.
constexpr int login_throttle_factor = 5;

}  // namespace

void AuthLimiter::count(Counter& counter, Clock::time_point now, Clock::duration window) {
    if (counter.failures == 0 || now - counter.first_failure > window) {
        counter.failures = 0;
        counter.first_failure = now;
        counter.reported = false;
    }
    ++counter.failures;
}

void AuthLimiter::prune(Clock::time_point now) {
    if (addresses_.size() + logins_.size() < max_counters) return;
    for (auto* counters : {&addresses_, &logins_}) {
        for (auto entry = counters->begin(); entry != counters->end();) {
            const bool expired = now - entry->second.first_failure > limits_.window && now >= entry->second.locked_until;
            entry = expired ? counters->erase(entry) : std::next(entry);
        }
    }
}

bool AuthLimiter::locked_out(const std::string& address) {
    const std::lock_guard lock(mutex_);
    const auto found = addresses_.find(address);
    return found != addresses_.end() && Clock::now() < found->second.locked_until;
}

Milliseconds AuthLimiter::record_failure(const std::string& address, const std::string& login) {
    const std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    prune(now);

    // Reaching the threshold is one event: the address is locked out, the
    // event is logged, and counting starts again.
    Counter& by_address = addresses_[address];
    count(by_address, now, limits_.window);
    if (by_address.failures >= limits_.address_failures) {
        log::warning(concat("[", address, "]: ", by_address.failures, " failed logins within ", limits_.window.count(),
                            " s; AUTH from this address is locked out for ", limits_.lockout_time.count(), " s"));
        by_address.locked_until = now + limits_.lockout_time;
        by_address.failures = 0;
    }

    Milliseconds delay = limits_.failure_delay;
    if (login.empty()) return delay;
    Counter& by_login = logins_[login];
    count(by_login, now, limits_.window);
    if (by_login.failures >= limits_.login_failures) {
        if (!by_login.reported) {
            by_login.reported = true;
            log::warning(concat("login ", printable(login, 64), ": ", by_login.failures, " failed logins within ",
                                limits_.window.count(), " s; further failures wait ", login_throttle_factor,
                                " times longer"));
        }
        delay *= login_throttle_factor;
    }
    return delay;
}

void AuthLimiter::record_success(const std::string& address) {
    const std::lock_guard lock(mutex_);
    addresses_.erase(address);
}

}  // namespace odmr
