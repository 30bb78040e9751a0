// Sessions side by side, and odmrd started per connection on standard
// input and output.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/e2e/atrn_fixture.hpp"
#include "tests/harness/child_process.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

class AtrnSessions : public AtrnFixture {};

TEST_F(AtrnSessions, StalledCustomerDoesNotDelayAnother) {
    start_all();
    hold_message({"slow@example.com"}, "for the stalled customer");
    const std::string original = hold_message({"fast@example.net"}, "for the quick customer");

    // alice's customer stops answering in the middle of a transaction.
    auto stalled = login_cram_md5("alice", "alice-secret");
    ASSERT_EQ(stalled->command("ATRN example.com").code, 250);
    stalled->send_line("220 stalled.customer.test ESMTP");
    EXPECT_EQ(stalled->read_line().substr(0, 5), "EHLO ");
    stalled->send_line("250 stalled.customer.test");
    EXPECT_EQ(stalled->read_line().substr(0, 10), "MAIL FROM:");

    // bob's session runs at the same time and delivers.
    const FetchmailRun run = fetch("bob", "bob-secret", "example.net");
    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
    EXPECT_TRUE(ends_with_original(customer_->delivered_messages().front(), original));

    // The stalled session still holds example.com and its message.
    EXPECT_EQ(provider_->queue().size(), 1u);
    stalled->close();
}

TEST_F(AtrnSessions, TwoDomainsInOneSession) {
    OdmrdOptions options;
    options.accounts = {"carol {PLAIN}carol-secret example.com,example.net"};
    start_all(options);
    hold_message({"one@example.com"}, "first domain");
    hold_message({"two@example.net"}, "second domain");
    hold_message({"three@example.com", "four@example.net"}, "both domains");

    const FetchmailRun run = fetch("carol", "carol-secret", "example.com,example.net");

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_TRUE(customer_->wait_for_delivered(4, 20s)) << customer_->log();
    EXPECT_TRUE(wait_until([&] { return provider_->queued_recipients() == 0; }, 20s));
}

TEST_F(AtrnSessions, StdioModeServesOneConnection) {
    start_all();
    const std::string original = hold_message({"stdio@example.com"}, "through --stdio");

    // The test plays inetd: it accepts one connection and starts odmrd
    // with the socket as standard input and output.
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(listener, 1), 0);
    socklen_t length = sizeof address;
    getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    const std::uint16_t port = ntohs(address.sin_port);

    std::unique_ptr<ChildProcess> odmrd_stdio;
    std::thread inetd([&] {
        const int connection = accept(listener, nullptr, nullptr);
        odmrd_stdio = std::make_unique<ChildProcess>(
            std::vector<std::string>{OdmrdInstance::binary(), "-c", odmrd_->config_file(), "--stdio", "-f"}, connection,
            directory_.file("odmrd-stdio.log"));
        close(connection);
    });

    const FetchmailRun run = run_fetchmail_odmr(directory_.path(), port, "alice", "alice-secret", "example.com",
                                                customer_->smtp_port());
    inetd.join();
    close(listener);

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
    EXPECT_TRUE(ends_with_original(customer_->delivered_messages().front(), original));
    ASSERT_TRUE(odmrd_stdio);
    EXPECT_EQ(odmrd_stdio->wait(20s), std::optional<int>(0)) << odmrd_stdio->output();
    EXPECT_NE(odmrd_stdio->output().find("status=sent"), std::string::npos) << odmrd_stdio->output();
}

}  // namespace
}  // namespace odmr::test
