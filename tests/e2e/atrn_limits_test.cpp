// Limits on the ODMR port: slow and idle clients, password guessing, too
// many connections, and the unprivileged user odmrd runs as.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <fstream>
#include <thread>

#include "smtp/base64.hpp"
#include "smtp/sasl.hpp"
#include "tests/e2e/atrn_fixture.hpp"
#include "tests/harness/network.hpp"
#include "tests/harness/text_search.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

class AtrnLimits : public AtrnFixture {
protected:
    static OdmrdOptions with_settings(std::vector<std::string> settings) {
        OdmrdOptions options;
        options.settings = std::move(settings);
        return options;
    }

    // One wrong CRAM-MD5 login; returns the final reply code.
    static int wrong_login(ScriptedClient& client) {
        const Reply challenge = client.command("AUTH CRAM-MD5");
        if (challenge.code != 334) return challenge.code;
        const std::string answer =
            cram_md5_client_answer("alice", "guess", base64_decode(challenge.lines.front()).value_or(""));
        return client.command(base64_encode(answer)).code;
    }

};

TEST_F(AtrnLimits, SlowSenderCutOffAtTimeout) {
    start_all(with_settings({"command_timeout = 2"}));
    ScriptedClient client(odmrd_->port());
    ASSERT_EQ(client.read_reply().code, 220);

    // One byte a second never finishes a line; the line's deadline ends it.
    const auto started = Clock::now();
    bool cut_off = false;
    for (int i = 0; i < 10 && !cut_off; ++i) {
        try {
            client.send_raw("E");
        } catch (const std::exception&) {
            cut_off = true;
        }
        std::this_thread::sleep_for(1s);
    }
    const Reply reply = client.read_reply();
    EXPECT_EQ(reply.code, 421) << reply.summary();
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_LT(Clock::now() - started, 6s);
}

TEST_F(AtrnLimits, IdleConnectionsDoNotBlockSession) {
    start_all();
    const std::string original = hold_message({"user@example.com"}, "past the crowd");

    // 500 idle clients, ten from each of 50 loopback addresses (the limit
    // per address), stay connected while a real session runs.
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    ASSERT_GE(files.rlim_cur, 700u) << "the test needs more open files (ulimit -n)";
    std::vector<std::unique_ptr<ScriptedClient>> idle;
    for (int address = 1; address <= 50; ++address) {
        for (int i = 0; i < 10; ++i) {
            idle.push_back(std::make_unique<ScriptedClient>(odmrd_->port(), "127.0.0.1",
                                                            "127.0.1." + std::to_string(address)));
        }
    }
    EXPECT_EQ(idle.front()->read_reply().code, 220);
    EXPECT_EQ(idle.back()->read_reply().code, 220);

    const FetchmailRun run = fetch("alice", "alice-secret", "example.com");

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << odmrd_->log();
    EXPECT_TRUE(ends_with_original(customer_->delivered_messages().front(), original));
}

TEST_F(AtrnLimits, ConnectionsPerAddressLimited) {
    start_all(with_settings({"max_sessions_per_client = 3"}));
    std::vector<std::unique_ptr<ScriptedClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<ScriptedClient>(odmrd_->port()));
        EXPECT_EQ(clients.back()->read_reply().code, 220);
    }

    ScriptedClient fourth(odmrd_->port());
    EXPECT_EQ(fourth.read_reply().code, 421);
    ScriptedClient other_address(odmrd_->port(), "127.0.0.1", "127.0.0.5");
    EXPECT_EQ(other_address.read_reply().code, 220);
}

TEST_F(AtrnLimits, PasswordGuessingSlowedRealLoginWorks) {
    start_all(with_settings({"auth_failure_delay = 50", "auth_lockout_failures = 10", "auth_throttle_failures = 10"}));
    hold_message({"user@example.com"}, "held");

    // 100 wrong passwords in a row from 127.0.0.1, a new connection
    // whenever odmrd ends one for too many errors.
    const auto started = Clock::now();
    int wrong = 0;
    int locked_out = 0;
    while (wrong + locked_out < 100) {
        ScriptedClient client(odmrd_->port());
        if (client.read_reply().code != 220 || client.command("EHLO guesser.test").code != 250) break;
        for (int i = 0; i < 5 && wrong + locked_out < 100; ++i) {
            const int code = wrong_login(client);
            if (code == 535) ++wrong;
            if (code == 454) ++locked_out;
        }
    }
    const auto elapsed = Clock::now() - started;

    EXPECT_EQ(wrong, 10);
    EXPECT_EQ(locked_out, 90);
    EXPECT_GE(elapsed, 100 * 50ms) << "every attempt waits auth_failure_delay";

    // The owner logs in from another address meanwhile.
    auto owner = std::make_unique<ScriptedClient>(odmrd_->port(), "127.0.0.1", "127.0.0.2");
    ASSERT_EQ(owner->read_reply().code, 220);
    ASSERT_EQ(owner->command("EHLO customer.test").code, 250);
    const Reply challenge = owner->command("AUTH CRAM-MD5");
    ASSERT_EQ(challenge.code, 334);
    const std::string answer =
        cram_md5_client_answer("alice", "alice-secret", base64_decode(challenge.lines.front()).value_or(""));
    EXPECT_EQ(owner->command(base64_encode(answer)).code, 235);

    // Each lockout and throttle is logged once, not per attempt.
    const std::string log = odmrd_->log();
    EXPECT_EQ(count_occurrences(log, "AUTH from this address is locked out"), 1u) << log;
    EXPECT_EQ(count_occurrences(log, "further failures wait"), 1u) << log;
    EXPECT_EQ(count_occurrences(log, "authentication failed for [127.0.0.1]"), 10u);
}

TEST_F(AtrnLimits, DropsToUnprivilegedUser) {
    start_all(with_settings({"user = nobody"}));
    ScriptedClient client(odmrd_->port());
    ASSERT_EQ(client.read_reply().code, 220);
    EXPECT_EQ(client.command("EHLO client.test").code, 250);

    std::ifstream status("/proc/" + std::to_string(odmrd_->process()->pid()) + "/status");
    std::string line;
    std::string uid_line;
    while (std::getline(status, line)) {
        if (line.rfind("Uid:", 0) == 0) uid_line = line;
    }
    EXPECT_EQ(uid_line, "Uid:\t65534\t65534\t65534\t65534");
    EXPECT_NE(odmrd_->log().find("running as user nobody (uid 65534)"), std::string::npos) << odmrd_->log();
}

TEST_F(AtrnLimits, WorldReadableAccountsFileRefused) {
    start_all();
    const std::string accounts = directory_.file("open-accounts");
    write_file(accounts, "alice {PLAIN}alice-secret example.com\n", 0644);
    std::string output;

    const int status = run_command({OdmrdInstance::binary(), "-c", odmrd_->config_file(), "--accounts_file", accounts,
                                    "--check-config"},
                                   output);

    EXPECT_EQ(status, 78);
    EXPECT_NE(output.find(accounts + ": the accounts file is readable by every user (mode 0644)"), std::string::npos)
        << output;
    EXPECT_NE(output.find("chmod 640 " + accounts), std::string::npos) << output;
    EXPECT_EQ(output.find("alice-secret"), std::string::npos);
}

}  // namespace
}  // namespace odmr::test
