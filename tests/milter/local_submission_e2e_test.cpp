// odmr-milter as Postfix's non_smtpd_milters: mail submitted with
// sendmail(1), which Postfix cannot reject one recipient at a time.
#include <chrono>

#include "tests/harness/network.hpp"
#include "tests/milter/milter_fixture.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

class LocalSubmission : public MilterFixture {};

TEST_F(LocalSubmission, BelowLimitHeld) {
    start_all(with_table({"example.com max_messages=1", "example.net"}));

    submit_locally("owner@local.test", {"a@example.com"},
                   make_message("owner@local.test", {"a@example.com"}, "local", "Hello.\n"));

    EXPECT_TRUE(wait_until([&] { return queued_messages("example.com") == 1; }, 20s)) << provider_->log();
    EXPECT_TRUE(wait_until(
        [&] {
            for (const auto& message : provider_->queue()) {
                if (message.queue_name != "deferred") return false;
            }
            return true;
        },
        20s));
}

TEST_F(LocalSubmission, OverLimitWaitsInMaildrop) {
    start_all(with_table({"example.com max_messages=1", "example.net"}));
    hold_unchecked({"a@example.com"});
    ASSERT_TRUE(milter_->wait_for_log("debug: queue listing: 1 messages", 10s)) << milter_->log();

    submit_locally("owner@local.test", {"b@example.com", "c@example.net"},
                   make_message("owner@local.test", {"b@example.com", "c@example.net"}, "local", "Hello.\n"));

    EXPECT_TRUE(provider_->wait_for_log(
        "milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 4.2.2 <example.com>: too much mail held", 20s))
        << provider_->log();
    EXPECT_EQ(provider_->log().find("milter configuration error"), std::string::npos) << provider_->log();
    bool waiting = false;
    for (const auto& message : provider_->queue()) {
        waiting = waiting || (message.queue_name == "maildrop" && message.recipients.size() == 2);
    }
    EXPECT_TRUE(waiting) << "the whole message waits in the maildrop queue for a later try";
    EXPECT_TRUE(provider_->delivered_messages().empty()) << "no bounce";
}

TEST_F(LocalSubmission, TooLargeBounces) {
    start_all(with_table({"example.com max_message_size=1K", "example.net"}));

    submit_locally("owner@local.test", {"a@example.com"}, message_of_size({"a@example.com"}, 3000));

    // The bounce goes to the sender, whose domain local.test delivers to
    // the test maildir.
    ASSERT_TRUE(provider_->wait_for_delivered(1, 30s)) << provider_->log();
    const std::string notice = provider_->delivered_messages().front();
    EXPECT_NE(notice.find("Status: 5.3.4"), std::string::npos) << notice;
    EXPECT_NE(notice.find("<a@example.com>: <example.com>: message size"), std::string::npos) << notice;
    EXPECT_TRUE(queued_recipients("example.com").empty());
}

}  // namespace
}  // namespace odmr::test
