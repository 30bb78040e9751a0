// The customer fails in the middle of a session. No real MTA can be told
// to drop its connection at a chosen byte, so in these tests the test
// itself plays the customer after the turnaround; the provider side is
// real (Postfix and odmrd), and the mail is collected afterwards by real
// fetchmail into a real customer Postfix.
#include <gtest/gtest.h>

#include "tests/e2e/atrn_fixture.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

class AtrnCustomerFailure : public AtrnFixture {
protected:
    // Logs in as alice, sends ATRN, and takes the customer's role up to the
    // 354 reply to DATA. Returns the client, positioned at the body.
    std::unique_ptr<ScriptedClient> turn_around_to_data() {
        auto client = login_cram_md5("alice", "alice-secret");
        EXPECT_EQ(client->command("ATRN example.com").code, 250);

        client->send_line("220 fake.customer.test ESMTP");
        EXPECT_EQ(client->read_line().substr(0, 5), "EHLO ");
        client->send_line("250-fake.customer.test");
        client->send_line("250 8BITMIME");

        // Without PIPELINING odmrd sends one command at a time.
        EXPECT_EQ(client->read_line().substr(0, 10), "MAIL FROM:");
        client->send_line("250 2.1.0 Ok");
        EXPECT_EQ(client->read_line().substr(0, 8), "RCPT TO:");
        client->send_line("250 2.1.5 Ok");
        EXPECT_EQ(client->read_line(), "DATA");
        client->send_line("354 go ahead");
        return client;
    }

    // The message must still be queued, and a normal session delivers it.
    void expect_held_then_delivered(const std::string& original) {
        EXPECT_TRUE(odmrd_->wait_for_log("session=atrn end:", 20s)) << odmrd_->log();
        EXPECT_TRUE(wait_until([&] { return provider_->queued_recipients() == 1; }, 20s)) << provider_->log();
        EXPECT_NE(odmrd_->log().find("status=deferred"), std::string::npos) << odmrd_->log();

        const FetchmailRun run = fetch("alice", "alice-secret", "example.com");
        EXPECT_EQ(run.status, 0) << run.output;
        ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
        EXPECT_TRUE(ends_with_original(customer_->delivered_messages().front(), original));
        EXPECT_TRUE(wait_until([&] { return provider_->queued_recipients() == 0; }, 20s)) << provider_->log();
    }
};

TEST_F(AtrnCustomerFailure, DropInsideDataKeepsMessage) {
    start_all();
    const std::string original = hold_message({"drop@example.com"}, "dropped inside DATA", "line one\nline two\n");

    auto client = turn_around_to_data();
    // Postfix's own trace header starts the body.
    EXPECT_EQ(client->read_line().substr(0, 9), "Received:");
    client->close();

    expect_held_then_delivered(original);
}

TEST_F(AtrnCustomerFailure, DropAfterFinalDotKeepsMessage) {
    start_all();
    const std::string original = hold_message({"drop@example.com"}, "dropped after the dot", "line one\n");

    auto client = turn_around_to_data();
    while (client->read_line() != ".") {
    }
    client->close();

    expect_held_then_delivered(original);
}

TEST_F(AtrnCustomerFailure, TemporaryRejectKeepsMessage) {
    start_all();
    const std::string original = hold_message({"later@example.com"}, "rejected for now");

    auto client = turn_around_to_data();
    while (client->read_line() != ".") {
    }
    client->send_line("451 4.3.0 try again later");
    EXPECT_EQ(client->read_line(), "QUIT");
    client->send_line("221 bye");
    client->close();

    expect_held_then_delivered(original);
}

TEST_F(AtrnCustomerFailure, PermanentRejectBounces) {
    start_all();
    hold_message({"nobody@example.com"}, "rejected for good");

    auto client = turn_around_to_data();
    while (client->read_line() != ".") {
    }
    client->send_line("550 5.1.1 no such user");
    EXPECT_EQ(client->read_line(), "QUIT");
    client->send_line("221 bye");

    // Postfix bounces the message to its sender and removes it.
    EXPECT_TRUE(provider_->wait_for_log("status=bounced (host provider.test", 20s)) << provider_->log();
    EXPECT_TRUE(wait_until([&] {
        for (const auto& message : provider_->queue()) {
            for (const auto& recipient : message.recipients) {
                if (recipient == "nobody@example.com") return false;
            }
        }
        return true;
    }, 20s));
    EXPECT_NE(odmrd_->log().find("status=bounced (550 5.1.1 no such user)"), std::string::npos) << odmrd_->log();
}

TEST_F(AtrnCustomerFailure, RefusedRecipientsThenNextMessage) {
    // A longer grace keeps both messages in one session on a busy machine.
    OdmrdOptions options;
    options.settings = {"release_grace_time = 3"};
    start_all(options);
    hold_message({"nobody@example.com"}, "refused");
    hold_message({"somebody@example.com"}, "accepted");

    auto client = login_cram_md5("alice", "alice-secret");
    ASSERT_EQ(client->command("ATRN example.com").code, 250);
    client->send_line("220 fake.customer.test ESMTP");
    EXPECT_EQ(client->read_line().substr(0, 5), "EHLO ");
    client->send_line("250 fake.customer.test");

    // The customer refuses the only recipient and then DATA, as Postfix's
    // smtpd does; its sender stays set until RSET.
    for (int message = 0; message < 2; ++message) {
        EXPECT_EQ(client->read_line().substr(0, 10), "MAIL FROM:");
        client->send_line("250 2.1.0 Ok");
        const std::string recipient = client->read_line();
        if (recipient.find("nobody@") != std::string::npos) {
            client->send_line("550 5.1.1 <nobody@example.com>: Recipient address rejected");
            EXPECT_EQ(client->read_line(), "DATA");
            client->send_line("554 5.5.1 Error: no valid recipients");
            EXPECT_EQ(client->read_line(), "RSET") << "the customer's transaction must be reset";
            client->send_line("250 2.0.0 Ok");
            continue;
        }
        client->send_line("250 2.1.5 Ok");
        EXPECT_EQ(client->read_line(), "DATA");
        client->send_line("354 go ahead");
        while (client->read_line() != ".") {
        }
        client->send_line("250 2.0.0 Ok: queued");
    }
    EXPECT_EQ(client->read_line(), "QUIT");
    client->send_line("221 bye");

    EXPECT_TRUE(provider_->wait_for_log("status=bounced", 20s)) << provider_->log();
    EXPECT_TRUE(provider_->wait_for_log("<somebody@example.com>, relay=provider.test", 20s)) << provider_->log();
    EXPECT_NE(odmrd_->log().find("to=<somebody@example.com>, domain=example.com, relay=fake.customer.test"),
              std::string::npos)
        << odmrd_->log();
}

TEST_F(AtrnCustomerFailure, SilentCustomerTimesOut) {
    start_all({{"example.com", "example.net"},
               {"alice {PLAIN}alice-secret example.com", "bob {CRAM-MD5}"},
               {"customer_greeting_timeout = 2"}});
    hold_message({"quiet@example.com"}, "nobody greets");

    auto client = login_cram_md5("alice", "alice-secret");
    EXPECT_EQ(client->command("ATRN example.com").code, 250);

    // The customer never sends its 220: odmrd gives up and frees the domain.
    EXPECT_TRUE(odmrd_->wait_for_log("did not take the turnaround", 20s)) << odmrd_->log();
    EXPECT_TRUE(client->closed_by_server());
    EXPECT_EQ(provider_->queued_recipients(), 1u);

    const FetchmailRun run = fetch("alice", "alice-secret", "example.com");
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
}

}  // namespace
}  // namespace odmr::test
