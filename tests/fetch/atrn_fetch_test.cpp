// ATRN jobs end to end: odmr-fetch logs in at odmrd (in front of a real
// provider Postfix), and relays the turned-around session into the
// customer Postfix's odmr-in listener.
#include "tests/fetch/fetch_fixture.hpp"

#include <algorithm>

#include "smtp/text.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

using AtrnFetch = FetchFixture;

constexpr int exit_temporary_failure = 75;
constexpr int exit_permanent_failure = 1;

TEST_F(AtrnFetch, EveryHeldMessageArrives) {
    start_atrn();
    std::vector<std::string> originals;
    originals.push_back(hold_message({"a@example.com"}, "first"));
    originals.push_back(hold_message({"b@example.com", "c@example.com"}, "second, two recipients"));
    originals.push_back(hold_message({"d@example.com"}, "third", ".leading dot\n..two dots\n.\nend\n"));
    fetch_->write_jobs({atrn_job("office", "example.com;alice:alice-secret")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(4, 20s)) << run.output << customer_->log();
    const auto delivered = customer_->delivered_messages();
    EXPECT_EQ(delivered.size(), 4u);
    for (const auto& original : originals) {
        const bool found = std::any_of(delivered.begin(), delivered.end(),
                                       [&](const std::string& copy) { return ends_with_message(copy, original); });
        EXPECT_TRUE(found) << "a message was lost or changed:\n" << original;
    }
    EXPECT_EQ(provider_->queued_recipients(), 0u) << provider_->log();
}

TEST_F(AtrnFetch, LogsEachMessageAndTheSession) {
    start_atrn();
    hold_message({"a@example.com"}, "first");
    hold_message({"b@example.com", "c@example.com"}, "second");
    fetch_->write_jobs({atrn_job("office", "example.com;alice:alice-secret")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(count_of(run.output, "status=sent (250 2.0.0 Ok: queued as "), 2u) << run.output;
    EXPECT_NE(run.output.find("from=<sender@sender.test>, nrcpt=2, size="), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("from=<sender@sender.test>, nrcpt=1, size="), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("office: session end: provider=[127.0.0.2]:"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find(" messages=2 refused=0 bytes="), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("reason=the provider sent QUIT"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("office: job done: result=success"), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("alice-secret"), std::string::npos) << "a password reached the log";
}

TEST_F(AtrnFetch, XclientShowsProviderAddress) {
    start_atrn();
    hold_message({"a@example.com"}, "first");
    hold_message({"b@example.com"}, "second");
    fetch_->write_jobs({atrn_job("office", "example.com;alice:alice-secret")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(2, 20s)) << customer_->log();

    // Every message the listener accepted names the provider as its client.
    const auto accepted = listener_log_lines(": client=");
    EXPECT_EQ(accepted.size(), 2u) << customer_->log();
    for (const auto& line : accepted) {
        EXPECT_NE(line.find("client=unknown[127.0.0.2]"), std::string::npos) << line;
        EXPECT_EQ(line.find("127.0.0.1"), std::string::npos) << line;
    }
    EXPECT_NE(run.output.find("XCLIENT set the local MTA's client to [127.0.0.2]:"), std::string::npos)
        << run.output;
}

TEST_F(AtrnFetch, WithoutXclientListenerSeesLocalhost) {
    // The other side of the test above: without XCLIENT, Postfix sees
    // odmr-fetch's own address.
    start_atrn();
    hold_message({"a@example.com"}, "first");
    fetch_->write_jobs({atrn_job("office", "example.com;alice:alice-secret", "xclient=no")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
    const auto accepted = listener_log_lines(": client=");
    ASSERT_EQ(accepted.size(), 1u) << customer_->log();
    EXPECT_NE(accepted.front().find("client=localhost[127.0.0.1]"), std::string::npos) << accepted.front();
}

TEST_F(AtrnFetch, NothingWaitingIsSuccess) {
    start_atrn();
    fetch_->write_jobs({atrn_job("office", "example.com;alice:alice-secret")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("453 You have no mail (no mail waiting)"), std::string::npos) << run.output;
}

TEST_F(AtrnFetch, ForeignDomainGets450AndRetry) {
    start_atrn();
    hold_message({"x@example.net"}, "for bob");
    fetch_->write_jobs({atrn_job("office", "example.net;alice:alice-secret")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_temporary_failure) << run.output;
    EXPECT_NE(run.output.find(": 450 4.7.1 example.net: access denied"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("retry later"), std::string::npos) << run.output;
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

TEST_F(AtrnFetch, WrongPasswordGets535) {
    start_atrn();
    hold_message({"a@example.com"}, "kept");
    fetch_->write_jobs({atrn_job("office", "example.com;alice:wrong-s3cret")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_permanent_failure) << run.output;
    EXPECT_NE(run.output.find("rejected login alice with CRAM-MD5 (535 5.7.8"), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("wrong-s3cret"), std::string::npos) << "a password reached the log";
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

TEST_F(AtrnFetch, PasswordFromPasswordsFile) {
    start_atrn();
    hold_message({"a@example.com"}, "first");
    fetch_->write_jobs({atrn_job("office", "example.com;alice:*")});
    fetch_->write_passwords({"office alice-secret"});

    const FetchRun run = fetch_->run_once({"--passwords_file", fetch_->passwords_file()});

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
}

TEST_F(AtrnFetch, LocalRefusalsReachTheProvider) {
    // The customer refuses one recipient with 450, one with 550, and one
    // message after its body with 550; Postfix at the provider sees each
    // of these replies and keeps or bounces the mail accordingly.
    const std::string header_checks = directory_.file("header_checks");
    write_file(header_checks, "/^Subject: refuse me/ REJECT 5.7.1 Message content refused\n");
    start_atrn({}, {"smtpd_recipient_restrictions = check_recipient_access inline:{ "
                    "{tempfail@example.com = 450 4.2.0 Mailbox busy, try later}, "
                    "{reject@example.com = 550 5.1.1 No such user} }",
                    "header_checks = regexp:" + header_checks});
    hold_message({"ok@example.com"}, "accepted");
    hold_message({"tempfail@example.com"}, "refused for now");
    hold_message({"reject@example.com"}, "refused for good");
    hold_message({"content@example.com"}, "refuse me");
    fetch_->write_jobs({atrn_job("office", "example.com;alice:alice-secret")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
    EXPECT_EQ(customer_->delivered_messages().size(), 1u);

    ASSERT_TRUE(provider_->wait_for_log("to=<reject@example.com>", 20s)) << provider_->log();
    const std::string provider_log = provider_->log();
    EXPECT_TRUE(has_line_with(provider_log, {"to=<tempfail@example.com>", "status=deferred",
                                             "said: 450 4.2.0 <tempfail@example.com>: Recipient address rejected: Mailbox busy"}))
        << provider_log;
    EXPECT_TRUE(has_line_with(provider_log, {"to=<reject@example.com>", "status=bounced",
                                             "said: 550 5.1.1 <reject@example.com>: Recipient address rejected: No such user"}))
        << provider_log;
    EXPECT_TRUE(has_line_with(provider_log, {"to=<content@example.com>", "status=bounced",
                                             "said: 550 5.7.1 Message content refused"}))
        << provider_log;
    EXPECT_TRUE(has_line_with(provider_log, {"to=<ok@example.com>", "status=sent"})) << provider_log;

    // The temporary refusal stays queued for the next session.
    bool kept = false;
    for (const auto& message : provider_->queue()) {
        for (const auto& recipient : message.recipients) kept = kept || recipient == "tempfail@example.com";
    }
    EXPECT_TRUE(kept) << provider_log;

    EXPECT_NE(run.output.find("to=<tempfail@example.com>, relay=inet:127.0.0.1:"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("status=deferred (450 4.2.0"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("status=rejected (550 5.1.1"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("nrcpt=1, size="), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("status=rejected (550 5.7.1 Message content refused)"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("messages=1 refused=3"), std::string::npos) << run.output;
}

TEST_F(AtrnFetch, LocalMtaDownKeepsEverything) {
    start_atrn();
    hold_message({"a@example.com"}, "first");
    hold_message({"b@example.com"}, "second");
    customer_->stop();
    fetch_->write_jobs({atrn_job("office", "example.com;alice:alice-secret")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_temporary_failure) << run.output;
    EXPECT_NE(run.output.find("reason=lost the local MTA: cannot connect to 127.0.0.1:"), std::string::npos) << run.output;
    ASSERT_TRUE(odmrd_->wait_for_log("session=atrn end:", 20s)) << odmrd_->log();
    EXPECT_EQ(provider_->queued_recipients(), 2u) << provider_->log();
}

TEST_F(AtrnFetch, RelayThroughUnixSocket) {
    // A second smtpd of the customer's Postfix listens on a UNIX-domain
    // socket in its private directory.
    start_atrn({}, {}, {"odmr-unix unix  -       -       n       -       -       smtpd",
                        "  -o syslog_name=postfix/odmr-unix"});
    const std::string original = hold_message({"a@example.com"}, "through a socket");
    const std::string socket = customer_->directory() + "/queue/private/odmr-unix";
    fetch_->write_jobs({atrn_job_line("office", "127.0.0.2", odmrd_port_2_, "example.com;alice:alice-secret",
                                      relay_port_, "relay=unix:" + socket)});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("relay=unix:" + socket + ", status=sent (250 2.0.0 Ok: queued as "), std::string::npos)
        << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
    EXPECT_TRUE(ends_with_message(customer_->delivered_messages().front(), original));
    EXPECT_NE(customer_->log().find("postfix/odmr-unix/smtpd"), std::string::npos) << customer_->log();
}

TEST_F(AtrnFetch, ManyPipelinedMessagesArrive) {
    start_atrn();
    constexpr std::size_t count = 30;
    for (std::size_t i = 0; i < count; ++i) {
        hold_message({concat("user", i, "@example.com")}, concat("message ", i), std::string(2000 + 97 * i, 'x') + "\n");
    }
    fetch_->write_jobs({atrn_job("office", "example.com;alice:alice-secret")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(count, 30s)) << customer_->log();
    EXPECT_EQ(provider_->queued_recipients(), 0u);
    EXPECT_NE(run.output.find(concat(" messages=", count, " refused=0 ")), std::string::npos) << run.output;
}

}  // namespace
}  // namespace odmr::test
