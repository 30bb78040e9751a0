// The ODMR port before the turnaround: what odmrd answers to clients that
// log in wrongly, ask for the wrong domains, or send bad input. The client
// side is scripted in the test so each reply code can be checked.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "smtp/base64.hpp"
#include "smtp/sasl.hpp"
#include "tests/e2e/atrn_fixture.hpp"
#include "tests/harness/child_process.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

class AtrnProtocol : public AtrnFixture {
protected:
    std::unique_ptr<ScriptedClient> greeted_client() {
        auto client = std::make_unique<ScriptedClient>(odmrd_->port());
        EXPECT_EQ(client->read_reply().code, 220);
        EXPECT_EQ(client->command("EHLO client.test").code, 250);
        return client;
    }

    // Makes a self-signed certificate for provider.test with openssl(1).
    void make_certificate() {
        std::string output;
        const int status = run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                        "-subj", "/CN=provider.test", "-keyout", directory_.file("key.pem"), "-out",
                                        directory_.file("certificate.pem")},
                                       output);
        ASSERT_EQ(status, 0) << output;
    }

    OdmrdOptions with_settings(std::vector<std::string> settings) {
        OdmrdOptions options;
        options.settings = std::move(settings);
        return options;
    }
};

TEST_F(AtrnProtocol, AtrnBeforeAuthGives530) {
    start_all();
    hold_message({"user@example.com"}, "held");
    auto client = greeted_client();

    EXPECT_EQ(client->command("ATRN example.com").code, 530);
    EXPECT_EQ(client->command("ATRN").code, 530);
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

TEST_F(AtrnProtocol, WrongPasswordGives535Then530) {
    start_all();
    hold_message({"user@example.com"}, "held");
    auto client = greeted_client();

    const Reply challenge = client->command("AUTH CRAM-MD5");
    ASSERT_EQ(challenge.code, 334);
    const std::string answer = cram_md5_client_answer("alice", "wrong", base64_decode(challenge.lines.front()).value());
    EXPECT_EQ(client->command(base64_encode(answer)).code, 535);
    EXPECT_EQ(client->command("ATRN example.com").code, 530);
    EXPECT_EQ(provider_->queued_recipients(), 1u);
    EXPECT_NE(odmrd_->log().find("authentication failed"), std::string::npos);
}

TEST_F(AtrnProtocol, UnownedDomainGives450) {
    start_all();
    hold_message({"user@example.net"}, "for bob only");
    auto client = login_cram_md5("alice", "alice-secret");

    EXPECT_EQ(client->command("ATRN example.net").code, 450);
    EXPECT_EQ(client->command("ATRN example.com,example.net").code, 450);
    EXPECT_EQ(client->command("ATRN no-such-domain.example").code, 450);
    EXPECT_EQ(provider_->queued_recipients(), 1u);
    EXPECT_TRUE(customer_->delivered_messages().empty());
}

TEST_F(AtrnProtocol, EmptyQueueGives453) {
    start_all();
    auto client = login_cram_md5("alice", "alice-secret");

    EXPECT_EQ(client->command("ATRN").code, 453);
    EXPECT_EQ(client->command("ATRN example.com").code, 453);
}

TEST_F(AtrnProtocol, UnreadableQueueGives451) {
    // postqueue fails as it would with a stopped Postfix or a wrong
    // configuration directory.
    start_all(with_settings({"postqueue_command = /bin/false"}));
    auto client = login_cram_md5("alice", "alice-secret");

    EXPECT_EQ(client->command("ATRN example.com").code, 451);
    EXPECT_NE(odmrd_->log().find("cannot read the mail queue: postqueue -j failed with status 1"), std::string::npos)
        << odmrd_->log();

    // The domain is free again for the next attempt.
    EXPECT_EQ(client->command("ATRN example.com").code, 451);
}

TEST_F(AtrnProtocol, DomainListSyntax) {
    start_all();
    auto client = login_cram_md5("alice", "alice-secret");

    // Case-insensitive names and a space after a comma are accepted.
    EXPECT_EQ(client->command("ATRN EXAMPLE.COM").code, 453);
    EXPECT_EQ(client->command("ATRN example.com, Example.Com").code, 453);
    EXPECT_EQ(client->command("ATRN example.com,,example.net").code, 501);
    EXPECT_EQ(client->command("ATRN exa$(id)mple.com").code, 501);
    EXPECT_EQ(client->command("ATRN example.com;rm").code, 501);
}

TEST_F(AtrnProtocol, PipelinedBytesAfterAtrnRejected) {
    start_all();
    hold_message({"user@example.com"}, "held");
    auto client = login_cram_md5("alice", "alice-secret");

    client->send_raw("ATRN example.com\r\nNOOP\r\n");
    EXPECT_EQ(client->read_reply().code, 503);
    EXPECT_EQ(client->read_reply().code, 250);
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

TEST_F(AtrnProtocol, PlaintextAuthNeedsTls) {
    start_all();
    auto client = std::make_unique<ScriptedClient>(odmrd_->port());
    EXPECT_EQ(client->read_reply().code, 220);
    const Reply ehlo = client->command("EHLO client.test");

    EXPECT_NE(ehlo.wire().find("AUTH CRAM-MD5\r\n"), std::string::npos) << ehlo.wire();
    EXPECT_EQ(ehlo.wire().find("PLAIN"), std::string::npos) << ehlo.wire();
    EXPECT_EQ(ehlo.wire().find("STARTTLS"), std::string::npos) << ehlo.wire();
    EXPECT_EQ(client->command("AUTH PLAIN " + base64_encode(sasl_plain_client_message("alice", "alice-secret"))).code, 538);
    EXPECT_EQ(client->command("AUTH LOGIN").code, 538);
}

TEST_F(AtrnProtocol, StarttlsThenPlainAndAtrn) {
    make_certificate();
    start_all(with_settings({"tls_certificate_file = " + directory_.file("certificate.pem"),
                             "tls_key_file = " + directory_.file("key.pem")}));
    hold_message({"tls@example.com"}, "over TLS");
    auto client = greeted_client();

    EXPECT_EQ(client->command("STARTTLS").code, 220);
    client->start_tls();
    const Reply ehlo = client->command("EHLO client.test");
    EXPECT_NE(ehlo.wire().find("AUTH CRAM-MD5 PLAIN LOGIN"), std::string::npos) << ehlo.wire();
    EXPECT_EQ(ehlo.wire().find("STARTTLS"), std::string::npos) << ehlo.wire();
    EXPECT_EQ(client->command("AUTH PLAIN " + base64_encode(sasl_plain_client_message("alice", "alice-secret"))).code, 235);

    // The turned-around session runs over TLS too.
    EXPECT_EQ(client->command("ATRN example.com").code, 250);
    client->send_line("220 fake.customer.test ESMTP");
    EXPECT_EQ(client->read_line().substr(0, 5), "EHLO ");
    client->send_line("250 fake.customer.test");
    EXPECT_EQ(client->read_line().substr(0, 10), "MAIL FROM:");
    EXPECT_NE(odmrd_->log().find("TLS established"), std::string::npos) << odmrd_->log();
}

TEST_F(AtrnProtocol, LoginMechanismOverTls) {
    make_certificate();
    start_all(with_settings({"tls_certificate_file = " + directory_.file("certificate.pem"),
                             "tls_key_file = " + directory_.file("key.pem")}));
    auto client = greeted_client();
    EXPECT_EQ(client->command("STARTTLS").code, 220);
    client->start_tls();
    EXPECT_EQ(client->command("EHLO client.test").code, 250);

    EXPECT_EQ(client->command("AUTH LOGIN").code, 334);
    EXPECT_EQ(client->command(base64_encode("alice")).code, 334);
    EXPECT_EQ(client->command(base64_encode("alice-secret")).code, 235);
}

TEST_F(AtrnProtocol, CommandsPipelinedBehindStarttlsDiscarded) {
    make_certificate();
    start_all(with_settings({"tls_certificate_file = " + directory_.file("certificate.pem"),
                             "tls_key_file = " + directory_.file("key.pem")}));
    auto client = greeted_client();

    // The NOOP travels in plaintext behind STARTTLS; it must not be taken
    // for a command sent under TLS (the STARTTLS command injection).
    client->send_raw("STARTTLS\r\nNOOP\r\n");
    EXPECT_EQ(client->read_reply().code, 220);
    client->start_tls();
    EXPECT_EQ(client->command("EHLO client.test").code, 250);
    EXPECT_EQ(client->command("QUIT").code, 221);
}

TEST_F(AtrnProtocol, BadInputGetsErrorsAndServiceContinues) {
    start_all();
    hold_message({"user@example.com"}, "held");
    auto client = greeted_client();

    EXPECT_EQ(client->command(std::string(20000, 'A')).code, 500);
    EXPECT_EQ(client->command(std::string("NO\0OP", 5)).code, 500);
    EXPECT_EQ(client->command("\x01\x02\xff\xfe garbage").code, 500);
    EXPECT_EQ(client->command("MAIL FROM:<a@b.example>").code, 502);
    EXPECT_EQ(client->command("VRFY postmaster").code, 502);
    EXPECT_EQ(client->command("AUTH FOO").code, 504);
    EXPECT_EQ(client->command("NOOP").code, 250);

    // Another client is served normally meanwhile.
    const FetchmailRun run = fetch("alice", "alice-secret", "example.com");
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_TRUE(customer_->wait_for_delivered(1, 20s));
}

TEST_F(AtrnProtocol, AuthResponseNotBase64Gives501) {
    start_all();
    hold_message({"user@example.com"}, "held");
    auto client = greeted_client();

    ASSERT_EQ(client->command("AUTH CRAM-MD5").code, 334);
    EXPECT_EQ(client->command("!!! not base64 !!!").code, 501);
    EXPECT_EQ(odmrd_->log().find("authentication failed"), std::string::npos) << odmrd_->log();

    // The same connection can still log in.
    const Reply challenge = client->command("AUTH CRAM-MD5");
    ASSERT_EQ(challenge.code, 334);
    const std::string answer =
        cram_md5_client_answer("alice", "alice-secret", base64_decode(challenge.lines.front()).value());
    EXPECT_EQ(client->command(base64_encode(answer)).code, 235);
}

TEST_F(AtrnProtocol, HelpListsOnlyOfferedCommands) {
    start_all();
    auto client = greeted_client();

    const Reply help = client->command("HELP");
    EXPECT_EQ(help.code, 214);
    ASSERT_FALSE(help.lines.empty());
    EXPECT_NE(help.lines.front().find("ATRN"), std::string::npos) << help.lines.front();
    EXPECT_EQ(help.lines.front().find("STARTTLS"), std::string::npos) << help.lines.front();
}

TEST_F(AtrnProtocol, UnusableLockFileGives451) {
    start_all();
    hold_message({"user@example.com"}, "held");
    // A directory in place of the domain's lock file simulates a bridge
    // directory that odmrd cannot write.
    ASSERT_EQ(mkdir((odmrd_->bridge_directory() + "/example.com.lock").c_str(), 0700), 0);
    auto client = login_cram_md5("alice", "alice-secret");

    EXPECT_EQ(client->command("ATRN example.com").code, 451);
    EXPECT_EQ(client->command("QUIT").code, 221);
    EXPECT_EQ(provider_->queued_recipients(), 1u);
    EXPECT_NE(odmrd_->log().find("bridge_directory"), std::string::npos) << odmrd_->log();
}

TEST_F(AtrnProtocol, TooManyErrorsGive421) {
    start_all(with_settings({"max_errors = 3"}));
    auto client = greeted_client();

    EXPECT_EQ(client->command("BOGUS").code, 500);
    EXPECT_EQ(client->command("BOGUS").code, 500);
    EXPECT_EQ(client->command("BOGUS").code, 421);
    EXPECT_TRUE(client->closed_by_server());
}

TEST_F(AtrnProtocol, IdleClientGets421) {
    start_all(with_settings({"command_timeout = 1"}));
    auto client = greeted_client();

    EXPECT_EQ(client->read_reply().code, 421);
    EXPECT_TRUE(client->closed_by_server());
}

TEST_F(AtrnProtocol, BusyDomainGives450) {
    start_all();
    hold_message({"user@example.com"}, "held");
    auto first = login_cram_md5("alice", "alice-secret");
    ASSERT_EQ(first->command("ATRN example.com").code, 250);

    // While the first session holds example.com, nobody else may release it.
    auto second = login_cram_md5("alice", "alice-secret");
    EXPECT_EQ(second->command("ATRN example.com").code, 450);
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

}  // namespace
}  // namespace odmr::test
