// odmr-milter's max_message_size under a real Postfix: SIZE= at RCPT, the
// real size at the end of the message, and transactions without SIZE=.
#include <chrono>

#include "tests/harness/network.hpp"
#include "tests/milter/milter_fixture.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

class SizeLimits : public MilterFixture {
protected:
    void SetUp() override { start_all(with_table({"example.com max_message_size=2K", "example.net"})); }
};

TEST_F(SizeLimits, DeclaredSizeRejectsOnlyThatDomain) {
    auto client = connect();

    EXPECT_EQ(client->command("MAIL FROM:<sender@sender.test> SIZE=5000").code, 250);
    const Reply limited = client->command("RCPT TO:<a@example.com>");
    const Reply held = client->command("RCPT TO:<b@example.net>");
    const Reply delivered = client->command("RCPT TO:<c@local.test>");
    const Reply data = send_data(*client, message_of_size({"b@example.net", "c@local.test"}, 4900));

    EXPECT_EQ(limited.code, 552);
    EXPECT_EQ(limited.lines.front(),
              "5.3.4 <example.com>: message size 5000 exceeds the limit of 2048 bytes for this domain");
    EXPECT_EQ(held.code, 250);
    EXPECT_EQ(delivered.code, 250);
    EXPECT_EQ(data.code, 250) << data.summary();
    EXPECT_TRUE(provider_->wait_for_delivered(1, 20s)) << provider_->log();
    EXPECT_TRUE(wait_until([&] { return queued_recipients("example.net").size() == 1; }, 20s));
    EXPECT_TRUE(queued_recipients("example.com").empty());
}

TEST_F(SizeLimits, RealSizeRejectedAtEnd) {
    auto client = connect();

    EXPECT_EQ(client->command("MAIL FROM:<sender@sender.test>").code, 250);
    EXPECT_EQ(client->command("RCPT TO:<a@example.com>").code, 250);
    const Reply data = send_data(*client, message_of_size({"a@example.com"}, 3000));

    EXPECT_EQ(data.code, 552) << data.summary();
    EXPECT_EQ(data.enhanced_status(), "5.3.4");
    EXPECT_TRUE(provider_->queue().empty());
}

TEST_F(SizeLimits, SmallMessageHeld) {
    const Reply reply = send_message(provider_->smtp_port(), "sender@sender.test", {"a@example.com"},
                                     message_of_size({"a@example.com"}, 500));

    EXPECT_EQ(reply.code, 250) << reply.summary();
    EXPECT_TRUE(wait_until([&] { return queued_messages("example.com") == 1; }, 20s));
}

TEST_F(SizeLimits, WithoutSizeOtherLimitWaitsForOwnTransaction) {
    auto client = connect();

    EXPECT_EQ(client->command("MAIL FROM:<sender@sender.test>").code, 250);
    const Reply limited = client->command("RCPT TO:<a@example.com>");
    const Reply other = client->command("RCPT TO:<b@example.net>");

    EXPECT_EQ(limited.code, 250);
    EXPECT_EQ(other.code, 452);
    EXPECT_EQ(other.lines.front(), "4.5.3 <example.net>: send mail for this domain in a separate transaction");
}

}  // namespace
}  // namespace odmr::test
