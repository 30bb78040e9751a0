// odmr-milter's held-mail limits under a real Postfix: the replies an SMTP
// client receives, the mail Postfix holds, and the recipients and domains
// the limits must leave alone.
#include <chrono>

#include "tests/harness/network.hpp"
#include "tests/milter/milter_fixture.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

class HeldLimits : public MilterFixture {};

TEST_F(HeldLimits, FullDomainGets452OthersPass) {
    start_all(with_table({"example.com max_messages=2", "example.net"}));
    for (int i = 0; i < 2; ++i) {
        const Reply reply = send_message(provider_->smtp_port(), "sender@sender.test", {"a@example.com"},
                                         make_message("sender@sender.test", {"a@example.com"}, "fill", "Hello.\n"));
        ASSERT_EQ(reply.code, 250) << reply.summary();
    }
    auto client = connect();

    EXPECT_EQ(client->command("MAIL FROM:<sender@sender.test>").code, 250);
    const Reply full = client->command("RCPT TO:<b@example.com>");
    const Reply held = client->command("RCPT TO:<c@example.net>");
    const Reply delivered = client->command("RCPT TO:<d@local.test>");
    const Reply data = send_data(*client, make_message("sender@sender.test", {"c@example.net", "d@local.test"},
                                                       "third", "Hello.\n"));

    EXPECT_EQ(full.code, 452);
    EXPECT_EQ(full.lines.front(), "4.2.2 <example.com>: too much mail held for this domain; try again later");
    EXPECT_EQ(held.code, 250) << held.summary();
    EXPECT_EQ(delivered.code, 250) << delivered.summary();
    EXPECT_EQ(data.code, 250) << data.summary();
    EXPECT_TRUE(provider_->wait_for_delivered(1, 20s)) << provider_->log();
    EXPECT_TRUE(wait_until([&] { return queued_recipients("example.net").size() == 1; }, 20s)) << provider_->log();
    EXPECT_EQ(queued_recipients("example.com"), (std::vector<std::string>{"a@example.com", "a@example.com"}));
    EXPECT_NE(provider_->log().find("milter-reject: RCPT from localhost[127.0.0.1]: 452 4.2.2 <example.com>"),
              std::string::npos);
}

TEST_F(HeldLimits, SendingPostfixKeepsMailForFullDomain) {
    start_all(with_table({"example.com max_messages=1", "example.net"}));
    ASSERT_EQ(send_message(provider_->smtp_port(), "sender@sender.test", {"a@example.com"},
                           make_message("sender@sender.test", {"a@example.com"}, "fill", "Hello.\n"))
                  .code,
              250);
    PostfixOptions options;
    options.hostname = "sender.test";
    options.main_cf = {"relayhost = [127.0.0.1]:" + std::to_string(provider_->smtp_port()),
                       "default_transport = smtp", "relay_transport = smtp"};
    PostfixInstance sender(directory_.file("sender"), options);
    sender.start();

    const Reply submitted = send_message(sender.smtp_port(), "sender@sender.test", {"b@example.com", "c@example.net"},
                                         make_message("sender@sender.test", {"b@example.com", "c@example.net"},
                                                      "through a real sending MTA", "Hello.\n"));

    ASSERT_EQ(submitted.code, 250) << submitted.summary();
    EXPECT_TRUE(wait_until([&] { return queued_recipients("example.net").size() == 1; }, 30s)) << sender.log();
    EXPECT_TRUE(sender.wait_for_log("452 4.2.2 <example.com>: too much mail held for this domain", 30s))
        << sender.log();
    EXPECT_TRUE(wait_until(
        [&] {
            const auto queue = sender.queue();
            return queue.size() == 1 && queue.front().recipients == std::vector<std::string>{"b@example.com"};
        },
        30s))
        << "the sending Postfix keeps the mail for the full domain\n" << sender.log();
    EXPECT_EQ(queued_recipients("example.com"), std::vector<std::string>{"a@example.com"});
}

TEST_F(HeldLimits, OtherQueueDomainKeepsAccepting) {
    start_all(with_table({"example.com max_messages=1", "example.net max_messages=1"}));
    ASSERT_EQ(send_message(provider_->smtp_port(), "sender@sender.test", {"a@example.com"},
                           make_message("sender@sender.test", {"a@example.com"}, "fill", "Hello.\n"))
                  .code,
              250);
    auto client = connect();

    EXPECT_EQ(client->command("MAIL FROM:<sender@sender.test>").code, 250);
    EXPECT_EQ(client->command("RCPT TO:<a@example.com>").code, 452);
    EXPECT_EQ(client->command("RSET").code, 250);
    EXPECT_EQ(client->command("MAIL FROM:<sender@sender.test>").code, 250);
    EXPECT_EQ(client->command("RCPT TO:<a@example.net>").code, 250);
}

TEST_F(HeldLimits, MaxBytesCountsHeldSizes) {
    start_all(with_table({"example.com max_bytes=3K", "example.net"}));
    ASSERT_EQ(send_message(provider_->smtp_port(), "sender@sender.test", {"a@example.com"},
                           message_of_size({"a@example.com"}, 4000))
                  .code,
              250);
    auto client = connect();

    EXPECT_EQ(client->command("MAIL FROM:<sender@sender.test>").code, 250);

    EXPECT_EQ(client->command("RCPT TO:<b@example.com>").code, 452);
}

TEST_F(HeldLimits, MailHeldBeforeStartCounts) {
    MilterSetup setup = with_table({"example.com max_messages=2", "example.net"});
    setup.start_milter = false;
    start_all(setup);
    hold_unchecked({"a@example.com"});
    hold_unchecked({"b@example.com", "c@example.net"});
    milter_->start();
    auto client = connect();

    EXPECT_EQ(client->command("MAIL FROM:<sender@sender.test>").code, 250);

    EXPECT_EQ(client->command("RCPT TO:<d@example.com>").code, 452);
    EXPECT_EQ(client->command("RCPT TO:<e@example.net>").code, 250);
}

TEST_F(HeldLimits, MailArrivedPastMilterCountsAfterListing) {
    start_all(with_table({"example.com max_messages=1", "example.net"}));
    hold_unchecked({"a@example.com"});

    // The next listing, within refresh_interval (1 second here), shows it.
    const bool rejected = wait_until(
        [&] {
            auto client = connect();
            client->command("MAIL FROM:<sender@sender.test>");
            return client->command("RCPT TO:<b@example.com>").code == 452;
        },
        10s);

    EXPECT_TRUE(rejected) << milter_->log();
}

TEST_F(HeldLimits, DeletedMailFreesPlace) {
    start_all(with_table({"example.com max_messages=1", "example.net"}));
    ASSERT_EQ(send_message(provider_->smtp_port(), "sender@sender.test", {"a@example.com"},
                           make_message("sender@sender.test", {"a@example.com"}, "fill", "Hello.\n"))
                  .code,
              250);
    ASSERT_TRUE(milter_->wait_for_log("debug: queue listing: 1 messages", 10s)) << milter_->log();
    {
        auto client = connect();
        client->command("MAIL FROM:<sender@sender.test>");
        ASSERT_EQ(client->command("RCPT TO:<b@example.com>").code, 452);
    }

    std::string output;
    ASSERT_EQ(run_command({"/usr/sbin/postsuper", "-c", provider_->directory(), "-d", "ALL"}, output), 0) << output;

    const bool accepted = wait_until(
        [&] {
            auto client = connect();
            client->command("MAIL FROM:<sender@sender.test>");
            return client->command("RCPT TO:<b@example.com>").code == 250;
        },
        15s);
    EXPECT_TRUE(accepted) << milter_->log();
}

TEST_F(HeldLimits, ZeroAndMissingLimitsAcceptAll) {
    start_all(with_table({"example.com max_messages=0 max_bytes=0 max_message_size=0", "example.net"}));
    for (int i = 0; i < 3; ++i) {
        for (const std::string recipient : {"a@example.com", "b@example.net"}) {
            const Reply reply = send_message(provider_->smtp_port(), "sender@sender.test", {recipient},
                                             message_of_size({recipient}, 2000));
            EXPECT_EQ(reply.code, 250) << reply.summary();
        }
    }

    EXPECT_TRUE(wait_until([&] { return queued_messages("example.com") == 3; }, 20s));
    EXPECT_TRUE(wait_until([&] { return queued_messages("example.net") == 3; }, 20s));
}

TEST_F(HeldLimits, UnixSocketServesPostfix) {
    MilterSetup setup;
    setup.queue_domains = {"example.com max_messages=1", "example.net"};
    setup.unix_socket = true;
    start_all(setup);
    ASSERT_EQ(send_message(provider_->smtp_port(), "sender@sender.test", {"a@example.com"},
                           make_message("sender@sender.test", {"a@example.com"}, "fill", "Hello.\n"))
                  .code,
              250);
    auto client = connect();

    EXPECT_EQ(client->command("MAIL FROM:<sender@sender.test>").code, 250);

    EXPECT_EQ(client->command("RCPT TO:<b@example.com>").code, 452);
}

TEST_F(HeldLimits, SigtermStopsMilter) {
    start_all(with_table({"example.com max_messages=1", "example.net"}));

    // libmilter's listener notices the stop within a few seconds.
    const std::optional<int> status = milter_->terminate(15s);

    ASSERT_TRUE(status.has_value()) << milter_->log();
    EXPECT_EQ(*status, 0);
    EXPECT_NE(milter_->log().find("odmr-milter stopped"), std::string::npos) << milter_->log();
}

TEST_F(HeldLimits, UnreachableMilterTempfails) {
    MilterSetup setup;
    setup.queue_domains = {"example.com max_messages=1", "example.net"};
    setup.start_milter = false;
    start_all(setup);
    ScriptedClient client(provider_->smtp_port());
    ASSERT_EQ(client.read_reply().code, 220);
    client.command("EHLO client.test");

    const Reply mail = client.command("MAIL FROM:<sender@sender.test>");

    // milter_default_action = tempfail from main.cf.milter.
    EXPECT_EQ(mail.code, 451) << mail.summary();
    EXPECT_EQ(mail.enhanced_status(), "4.7.1");
    EXPECT_TRUE(provider_->queue().empty());
}

}  // namespace
}  // namespace odmr::test
