#include "plugin/odmrd/auth_limiter.hpp"

#include <gtest/gtest.h>

namespace odmr {
namespace {

AuthLimits limits() {
    AuthLimits result;
    result.failure_delay = Milliseconds(100);
    result.address_failures = 3;
    result.login_failures = 4;
    result.window = Seconds(60);
    result.lockout_time = Seconds(60);
    return result;
}

TEST(AuthLimiter, AddressLockedAfterFailures) {
    AuthLimiter limiter(limits());
    EXPECT_EQ(limiter.record_failure("192.0.2.1", "alice"), Milliseconds(100));
    EXPECT_FALSE(limiter.locked_out("192.0.2.1"));
    limiter.record_failure("192.0.2.1", "alice");
    limiter.record_failure("192.0.2.1", "alice");
    EXPECT_TRUE(limiter.locked_out("192.0.2.1"));
    EXPECT_FALSE(limiter.locked_out("192.0.2.2"));
}

TEST(AuthLimiter, LoginThrottledNotLocked) {
    AuthLimiter limiter(limits());
    for (int i = 0; i < 3; ++i) limiter.record_failure("192.0.2." + std::to_string(i + 1), "alice");
    EXPECT_EQ(limiter.record_failure("192.0.2.9", "alice"), Milliseconds(500));
    EXPECT_FALSE(limiter.locked_out("192.0.2.10")) << "another address may still log in";
    EXPECT_EQ(limiter.record_failure("192.0.2.10", "bob"), Milliseconds(100));
}

TEST(AuthLimiter, SuccessClearsAddress) {
    AuthLimiter limiter(limits());
    limiter.record_failure("192.0.2.1", "alice");
    limiter.record_failure("192.0.2.1", "alice");
    limiter.record_success("192.0.2.1");
    limiter.record_failure("192.0.2.1", "alice");
    EXPECT_FALSE(limiter.locked_out("192.0.2.1"));
}

}  // namespace
}  // namespace odmr
