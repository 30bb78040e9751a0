// ETRN end to end: the trigger comes from real fetchmail or a scripted
// client, through Postfix's own port (policy delegation) or odmrd's ETRN
// port; odmrd connects to the customer Postfix on 127.0.0.2, the queue
// domains' fixed address, and Postfix's own delivery reaches it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "tests/e2e/etrn_fixture.hpp"
#include "tests/harness/network.hpp"
#include "tests/harness/text_search.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

class Etrn : public EtrnFixture {};

TEST_F(Etrn, FetchmailThroughPostfixPort) {
    start_etrn_default();
    const std::string original = hold_message({"user@example.com"}, "via port 25");

    const FetchmailRun run = run_fetchmail_etrn(directory_.path(), provider_->smtp_port(), "example.com");

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("250"), std::string::npos) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log() << provider_->log();
    EXPECT_TRUE(ends_with_original(customer_->delivered_messages().front(), original));
    EXPECT_TRUE(wait_until([&] { return provider_->queued_recipients() == 0; }, 20s));
    EXPECT_NE(odmrd_->log().find("session=etrn, delay="), std::string::npos) << odmrd_->log();
}

TEST_F(Etrn, FetchmailThroughOdmrdPort) {
    start_etrn_default();
    const std::string original = hold_message({"user@example.com"}, "via odmrd's port");

    const FetchmailRun run = run_fetchmail_etrn(directory_.path(), etrn_port(), "example.com");

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log();
    EXPECT_TRUE(ends_with_original(customer_->delivered_messages().front(), original));
    EXPECT_TRUE(wait_until([&] { return provider_->queued_recipients() == 0; }, 20s));
}

TEST_F(Etrn, ReplyCodesOnOdmrdPort) {
    start_etrn_default();
    hold_message({"a@example.com"}, "one");
    hold_message({"b@example.com"}, "two");
    auto client = etrn_client(etrn_port());

    const Reply started = client->command("ETRN example.com");
    EXPECT_EQ(started.code, 253) << started.summary();
    EXPECT_NE(started.summary().find("2 pending messages"), std::string::npos) << started.summary();
    EXPECT_EQ(client->command("ETRN example.net").code, 251);
    ASSERT_TRUE(customer_->wait_for_delivered(2, 20s)) << odmrd_->log();
}

TEST_F(Etrn, PlainClientThroughPostfixPort) {
    start_etrn_default();
    hold_message({"plain@example.com"}, "plain client");
    auto client = etrn_client(provider_->smtp_port());

    EXPECT_EQ(client->command("ETRN example.com").code, 250);
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log();
}

TEST_F(Etrn, DomainIsCaseInsensitive) {
    start_etrn_default();
    hold_message({"u@Example.COM"}, "upper case");
    hold_message({"u@example.com"}, "lower case");
    auto client = etrn_client(etrn_port());

    EXPECT_EQ(client->command("ETRN EXAMPLE.COM").code, 253);
    ASSERT_TRUE(customer_->wait_for_delivered(2, 20s)) << odmrd_->log();
    EXPECT_TRUE(wait_until([&] { return provider_->queued_recipients() == 0; }, 20s));
}

TEST_F(Etrn, AtSignReleasesSubdomainsByWholeLabels) {
    start_etrn([](const std::string& fixed) {
        const std::string options = " etrn_address=" + fixed + " etrn_clients=127.0.0.1";
        return std::vector<std::string>{"example.com" + options, "badexample.com" + options,
                                        "example.com.example.net" + options};
    });
    hold_message({"one@mx.example.com"}, "subdomain");
    hold_message({"two@example.com"}, "domain");
    hold_message({"three@badexample.com"}, "lookalike");
    hold_message({"four@example.com.example.net"}, "lookalike suffix");
    auto client = etrn_client(etrn_port());

    EXPECT_EQ(client->command("ETRN @example.com").code, 253);

    ASSERT_TRUE(customer_->wait_for_delivered(2, 20s)) << odmrd_->log();
    ASSERT_TRUE(odmrd_->wait_for_log("session=etrn end:", 20s));
    EXPECT_EQ(delivered_recipients(), (std::vector<std::string>{"one@mx.example.com", "two@example.com"}));
    EXPECT_EQ(provider_->queued_recipients(), 2u);
}

TEST_F(Etrn, AtSignThroughPostfixPortMeansDomain) {
    // Postfix 3.7 strips the '@' before it asks the policy service, so on
    // port 25 "ETRN @example.com" releases example.com alone.
    start_etrn_default();
    hold_message({"one@mx.example.com"}, "subdomain");
    hold_message({"two@example.com"}, "domain");
    auto client = etrn_client(provider_->smtp_port());

    EXPECT_EQ(client->command("ETRN @example.com").code, 250);

    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log() << provider_->log();
    ASSERT_TRUE(odmrd_->wait_for_log("session=etrn end:", 20s));
    EXPECT_EQ(delivered_recipients(), (std::vector<std::string>{"two@example.com"}));
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

TEST_F(Etrn, PlainDomainLeavesSubdomainHeld) {
    start_etrn_default();
    hold_message({"one@mx.example.com"}, "subdomain");
    hold_message({"two@example.com"}, "domain");
    auto client = etrn_client(etrn_port());

    EXPECT_EQ(client->command("ETRN example.com").code, 253);

    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log();
    ASSERT_TRUE(odmrd_->wait_for_log("session=etrn end:", 20s));
    EXPECT_EQ(delivered_recipients(), (std::vector<std::string>{"two@example.com"}));
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

TEST_F(Etrn, TwoDomainMessageReleasesNamedDomainOnly) {
    start_etrn_default();
    hold_message({"a@example.com", "b@example.net"}, "two domains");
    auto client = etrn_client(etrn_port());

    EXPECT_EQ(client->command("ETRN example.com").code, 253);

    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log();
    ASSERT_TRUE(odmrd_->wait_for_log("session=etrn end:", 20s));
    EXPECT_EQ(delivered_recipients(), (std::vector<std::string>{"a@example.com"}));
    const auto queue = provider_->queue();
    ASSERT_EQ(queue.size(), 1u);
    EXPECT_EQ(queue.front().recipients, (std::vector<std::string>{"b@example.net"}));
}

TEST_F(Etrn, CustomerDownKeepsMailForLater) {
    start_etrn_default();
    const std::string original = hold_message({"later@example.com"}, "customer down");
    customer_->stop();
    auto client = etrn_client(etrn_port());

    // RFC 1985: the reply says queuing started; the delivery fails later.
    EXPECT_EQ(client->command("ETRN example.com").code, 253);
    ASSERT_TRUE(odmrd_->wait_for_log("the mail stays queued", 20s)) << odmrd_->log();
    EXPECT_EQ(provider_->queued_recipients(), 1u);
    EXPECT_EQ(provider_->log().find("status=bounced"), std::string::npos) << provider_->log();

    customer_->start();
    EXPECT_EQ(client->command("ETRN example.com").code, 253);
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log();
    ASSERT_TRUE(odmrd_->wait_for_log("session=etrn end: domain=example.com relay=", 20s));
    EXPECT_EQ(customer_->delivered_messages().size(), 1u);
    EXPECT_TRUE(ends_with_original(customer_->delivered_messages().front(), original));
}

TEST_F(Etrn, CustomerDownThroughPostfixStillAnswers250) {
    start_etrn_default();
    hold_message({"later@example.com"}, "customer down");
    customer_->stop();
    auto client = etrn_client(provider_->smtp_port());

    EXPECT_EQ(client->command("ETRN example.com").code, 250);
    ASSERT_TRUE(odmrd_->wait_for_log("the mail stays queued", 20s)) << odmrd_->log();
    EXPECT_TRUE(wait_until([&] { return provider_->queued_recipients() == 1; }, 10s));
    EXPECT_EQ(provider_->log().find("status=bounced"), std::string::npos) << provider_->log();
}

TEST_F(Etrn, PasswordFormChecksAccount) {
    start_etrn(
        [](const std::string& fixed) {
            return std::vector<std::string>{"example.com etrn_address=" + fixed + " etrn_require_password=yes"};
        },
        {"alice {PLAIN}alice-secret example.com"});
    hold_message({"user@example.com"}, "with password");
    auto client = etrn_client(etrn_port());

    EXPECT_EQ(client->command("ETRN example.com").code, 459);
    EXPECT_EQ(client->command("ETRN example.com wrong-secret").code, 459);
    EXPECT_EQ(provider_->queued_recipients(), 1u);
    EXPECT_EQ(client->command("ETRN example.com alice-secret").code, 253);
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log();
    EXPECT_EQ(odmrd_->log().find("alice-secret"), std::string::npos) << "a password reached the log";
}

TEST_F(Etrn, WrongPasswordFromAllowedClientRefused) {
    start_etrn_default();
    hold_message({"user@example.com"}, "held");
    auto client = etrn_client(etrn_port());

    EXPECT_EQ(client->command("ETRN example.com not-the-password").code, 459);
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

TEST_F(Etrn, DefaultClientIsFixedAddress) {
    start_etrn([](const std::string& fixed) {
        return std::vector<std::string>{"example.com etrn_address=" + fixed};
    });
    hold_message({"user@example.com"}, "held");

    // From 127.0.0.1 the request is refused, through both entry points.
    auto stranger = etrn_client(etrn_port());
    EXPECT_EQ(stranger->command("ETRN example.com").code, 459);
    auto stranger_on_postfix = etrn_client(provider_->smtp_port());
    EXPECT_EQ(stranger_on_postfix->command("ETRN example.com").code, 459);
    EXPECT_EQ(provider_->queued_recipients(), 1u);

    // From the fixed address itself it is allowed.
    auto customer = etrn_client(etrn_port(), "127.0.0.2");
    EXPECT_EQ(customer->command("ETRN example.com").code, 253);
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log();
}

TEST_F(Etrn, DomainWithoutFixedAddressRefused) {
    start_etrn([](const std::string&) { return std::vector<std::string>{"example.com"}; });
    hold_message({"user@example.com"}, "held");
    auto client = etrn_client(etrn_port());

    const Reply atrn_only = client->command("ETRN example.com");
    EXPECT_EQ(atrn_only.code, 459);
    ASSERT_FALSE(atrn_only.lines.empty());
    EXPECT_NE(atrn_only.lines.front().find("released by ATRN only"), std::string::npos) << atrn_only.lines.front();
    EXPECT_EQ(client->command("ETRN example.org").code, 459);
    EXPECT_EQ(client->command("ETRN #queue").code, 459);
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

TEST_F(Etrn, BadArgumentsGet501) {
    start_etrn_default();
    hold_message({"user@example.com"}, "held");
    auto client = etrn_client(etrn_port());

    EXPECT_EQ(client->command("ETRN").code, 501);
    EXPECT_EQ(client->command("ETRN \"example.com\"").code, 501);
    EXPECT_EQ(client->command("ETRN $(touch /tmp/odmr-etrn-injection)").code, 501);
    EXPECT_EQ(client->command("ETRN example.com;reboot").code, 501);
    EXPECT_EQ(client->command("ETRN " + std::string(4000, 'a')).code, 500);
    EXPECT_EQ(client->command(std::string("ETRN exam\0ple.com", 17)).code, 501);
    EXPECT_EQ(client->command("ETRN example.com pass word").code, 501);

    EXPECT_EQ(provider_->queued_recipients(), 1u);
    EXPECT_TRUE(customer_->delivered_messages().empty());
    // Client text reaches the log escaped: the NUL byte as \x00.
    const std::string log = odmrd_->log();
    EXPECT_NE(log.find("exam\\x00ple.com"), std::string::npos) << log;
    EXPECT_EQ(log.find('\0'), std::string::npos);
}

TEST_F(Etrn, UnusableLockFileGives458) {
    start_etrn_default({"etrn_min_interval = 60"});
    hold_message({"user@example.com"}, "held");
    // A directory in place of the domain's lock file simulates a bridge
    // directory that odmrd cannot write.
    const std::string lock = odmrd_->bridge_directory() + "/example.com.lock";
    ASSERT_EQ(mkdir(lock.c_str(), 0700), 0);
    auto client = etrn_client(etrn_port());

    EXPECT_EQ(client->command("ETRN example.com").code, 458);
    EXPECT_EQ(provider_->queued_recipients(), 1u);
    EXPECT_NE(odmrd_->log().find("check the owner and mode of bridge_directory"), std::string::npos) << odmrd_->log();

    // Once the directory is usable, the next request starts a run at once:
    // the failed one left no rate limit behind.
    ASSERT_EQ(rmdir(lock.c_str()), 0);
    EXPECT_EQ(client->command("ETRN example.com").code, 253);
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log();
}

TEST_F(Etrn, AtrnSessionMakesEtrnWait) {
    start_etrn_default();
    hold_message({"user@example.com"}, "held");
    auto atrn = login_cram_md5("alice", "alice-secret");
    ASSERT_EQ(atrn->command("ATRN example.com").code, 250);

    auto client = etrn_client(etrn_port());
    EXPECT_EQ(client->command("ETRN example.com").code, 458);
}

TEST_F(Etrn, ConcurrentRequestsDeliverOnce) {
    // The rate limit is what keeps a burst to one run even when some
    // requests arrive after the first run has ended.
    start_etrn_default({"etrn_min_interval = 60"});
    for (int i = 0; i < 5; ++i) hold_message({"burst" + std::to_string(i) + "@example.com"}, "burst");

    // Ten clients ask at once, on both entry points.
    std::vector<std::future<int>> replies;
    for (int i = 0; i < 10; ++i) {
        const std::uint16_t port = i % 2 == 0 ? etrn_port() : provider_->smtp_port();
        replies.push_back(std::async(std::launch::async, [this, port] {
            auto client = etrn_client(port);
            return client->command("ETRN example.com").code;
        }));
    }
    for (auto& reply : replies) {
        const int code = reply.get();
        EXPECT_TRUE(code == 250 || code == 253) << code;
    }

    ASSERT_TRUE(customer_->wait_for_delivered(5, 30s)) << odmrd_->log();
    EXPECT_TRUE(wait_until([&] { return provider_->queued_recipients() == 0; }, 20s));
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(customer_->delivered_messages().size(), 5u) << "a message was delivered twice";
    const std::string log = odmrd_->log();
    EXPECT_EQ(count_occurrences(log, "session=etrn start:"), 1u) << log;
}

TEST_F(Etrn, EncryptPolicyUsesStarttls) {
    std::string output;
    ASSERT_EQ(run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                           "/CN=customer.test", "-keyout", directory_.file("key.pem"), "-out",
                           directory_.file("certificate.pem")},
                          output),
              0)
        << output;
    start_etrn_with_customer_tls();
    hold_message({"secret@example.com"}, "over TLS");
    auto client = etrn_client(etrn_port());

    EXPECT_EQ(client->command("ETRN example.com").code, 253);

    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log();
    EXPECT_NE(customer_->log().find("TLS connection established from"), std::string::npos) << customer_->log();
}

TEST_F(Etrn, EncryptPolicyWithoutStarttlsKeepsMail) {
    start_etrn([](const std::string& fixed) {
        return std::vector<std::string>{"example.com etrn_address=" + fixed + " etrn_clients=127.0.0.1 etrn_tls=encrypt"};
    });
    hold_message({"secret@example.com"}, "needs TLS");
    auto client = etrn_client(etrn_port());

    EXPECT_EQ(client->command("ETRN example.com").code, 253);

    ASSERT_TRUE(odmrd_->wait_for_log("etrn_tls=encrypt requires TLS", 20s)) << odmrd_->log();
    EXPECT_EQ(provider_->queued_recipients(), 1u);
    EXPECT_TRUE(customer_->delivered_messages().empty());
}

TEST_F(Etrn, OwnAddressIsConfigurationError) {
    start_etrn_default();
    const std::string table = directory_.file("own-address-domains");
    write_file(table, "example.com etrn_address=[127.0.0.1]:25\n");
    std::string output;
    const int status = run_command({OdmrdInstance::binary(), "-c", odmrd_->config_file(), "--queue_domains_file", table,
                                    "--check-config"},
                                   output);

    EXPECT_EQ(status, 78) << output;
    EXPECT_NE(output.find(table + ", line 1: etrn_address [127.0.0.1]:25 of example.com is 127.0.0.1"),
              std::string::npos)
        << output;
}

}  // namespace
}  // namespace odmr::test
