#include "plugin/odmrd/customer_session.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace odmr {
namespace {

using namespace std::chrono_literals;

// What "soon" means for a thread that was woken: far longer than a wake-up
// takes, so a loaded machine does not fail the test.
constexpr auto wake_timeout = 5s;

// A customer session over one end of a real socket pair. The test reads
// the other end as the customer would.
class CustomerSessionTest : public ::testing::Test {
protected:
    CustomerSessionTest() {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) throw std::runtime_error("socketpair failed");
        customer_end_ = fds[1];
        connection_ = std::make_unique<Connection>(std::make_unique<FdStream>(fds[0]), 1000);

        SessionIdentity identity{"atrn", "customer.example[127.0.0.1]:40000", "alice", {"example.com", "example.net"}};
        Capabilities capabilities;
        capabilities.add("PIPELINING");
        session_ = std::make_unique<CustomerSession>(identity, *connection_, capabilities);
    }

    ~CustomerSessionTest() override { close(customer_end_); }

    // Starts a thread that waits for a transaction and reports whether it
    // got one.
    std::future<bool> wait_for_transaction_in_thread(Deadline deadline) {
        return std::async(std::launch::async, [this, deadline] {
            auto transaction = session_->begin_transaction(deadline);
            return transaction.has_value();
        });
    }

    int customer_end_ = -1;
    std::unique_ptr<Connection> connection_;
    std::unique_ptr<CustomerSession> session_;
};

HeldMessage held(const std::string& queue_id, std::vector<std::string> recipients, std::int64_t arrival_time = 0) {
    HeldMessage message;
    message.queue_id = queue_id;
    message.queue_name = "deferred";
    message.arrival_time = arrival_time;
    message.recipients = std::move(recipients);
    return message;
}

TEST_F(CustomerSessionTest, OwnsDomainIgnoresCase) {
    EXPECT_TRUE(session_->owns_domain("example.com"));
    EXPECT_TRUE(session_->owns_domain("EXAMPLE.NET"));
    EXPECT_FALSE(session_->owns_domain("example.org"));
    EXPECT_FALSE(session_->owns_domain("mx.example.com"));
}

TEST(SessionIdentity, CoversListedDomainsOnly) {
    SessionIdentity identity{"atrn", "relay", "alice", {"example.com"}};
    EXPECT_TRUE(identity.covers("example.com"));
    EXPECT_TRUE(identity.covers("Example.COM"));
    EXPECT_FALSE(identity.covers("mx.example.com"));
    EXPECT_FALSE(identity.covers("badexample.com"));
}

TEST(SessionIdentity, CoversSubdomainsWhenAsked) {
    // ETRN @example.com requests the subdomains too.
    SessionIdentity identity{"etrn", "relay", "", {"example.com"}, true};
    EXPECT_TRUE(identity.covers("example.com"));
    EXPECT_TRUE(identity.covers("mx.example.com"));
    EXPECT_TRUE(identity.covers("A.B.Example.com"));
    EXPECT_FALSE(identity.covers("badexample.com"));
    EXPECT_FALSE(identity.covers("example.com.example.net"));
}

TEST_F(CustomerSessionTest, ExpectCountsOwnedRecipients) {
    session_->expect({held("1A", {"a@example.com", "b@other.example", "C@Example.NET"}), held("2B", {"d@example.com"})});
    EXPECT_EQ(session_->pending_recipients(), 3u);
}

TEST_F(CustomerSessionTest, ExpectTwiceCountsOnce) {
    const std::vector<HeldMessage> listing{held("1A", {"a@example.com", "b@example.com"})};
    session_->expect(listing);
    session_->expect(listing);
    EXPECT_EQ(session_->pending_recipients(), 2u);
}

TEST_F(CustomerSessionTest, SameRecipientInTwoMessages) {
    session_->expect({held("1A", {"a@example.com"}), held("2B", {"a@example.com"})});
    EXPECT_EQ(session_->pending_recipients(), 2u);

    session_->record_attempt("1A", "a@example.com", AttemptStatus::sent);
    EXPECT_EQ(session_->pending_recipients(), 1u);
}

TEST_F(CustomerSessionTest, RecordAttemptEndsWait) {
    session_->expect({held("1A", {"a@example.com", "b@example.com"})});
    session_->record_attempt("1A", "a@example.com", AttemptStatus::sent);
    EXPECT_EQ(session_->pending_recipients(), 1u);

    session_->record_attempt("1A", "b@example.com", AttemptStatus::deferred);
    EXPECT_EQ(session_->pending_recipients(), 0u);
}

TEST_F(CustomerSessionTest, RecordAttemptIgnoresAddressCase) {
    session_->expect({held("1A", {"Alice@Example.COM"})});
    session_->record_attempt("1A", "alice@example.com", AttemptStatus::sent);
    EXPECT_EQ(session_->pending_recipients(), 0u);
}

TEST_F(CustomerSessionTest, AttemptedRecipientNotExpectedAgain) {
    // A deferred recipient is still in the queue at the next listing, but
    // this session has tried it and must not wait for it again.
    session_->expect({held("1A", {"a@example.com"})});
    session_->record_attempt("1A", "a@example.com", AttemptStatus::deferred);
    session_->expect({held("1A", {"a@example.com"}), held("2B", {"b@example.com"})});
    EXPECT_EQ(session_->pending_recipients(), 1u);
}

TEST_F(CustomerSessionTest, AttemptBeforeListingCounts) {
    session_->record_attempt("1A", "a@example.com", AttemptStatus::sent);
    session_->expect({held("1A", {"a@example.com"})});
    EXPECT_EQ(session_->pending_recipients(), 0u);
}

TEST_F(CustomerSessionTest, CountersPerStatus) {
    session_->record_attempt("1A", "a@example.com", AttemptStatus::sent);
    session_->record_attempt("1A", "b@example.com", AttemptStatus::sent);
    session_->record_attempt("2B", "c@example.com", AttemptStatus::deferred);
    session_->record_attempt("3C", "d@example.com", AttemptStatus::bounced);
    session_->record_message(1000);
    session_->record_message(234);

    const SessionCounters counters = session_->counters();
    EXPECT_EQ(counters.sent, 2u);
    EXPECT_EQ(counters.deferred, 1u);
    EXPECT_EQ(counters.bounced, 1u);
    EXPECT_EQ(counters.messages, 2u);
    EXPECT_EQ(counters.bytes, 1234u);
}

TEST_F(CustomerSessionTest, ArrivalTimeOfListedMessage) {
    session_->expect({held("1A", {"a@example.com"}, 1796418185)});
    EXPECT_EQ(session_->arrival_time("1A"), 1796418185);
    EXPECT_EQ(session_->arrival_time("2B"), std::nullopt);
}

TEST_F(CustomerSessionTest, TransactionWritesToCustomer) {
    auto transaction = session_->begin_transaction(Deadline::after(wake_timeout));
    ASSERT_TRUE(transaction.has_value());
    transaction->customer().send_line("MAIL FROM:<a@example.org>");
    transaction->customer().flush(Deadline::after(wake_timeout));

    char buffer[64] = {};
    const ssize_t count = read(customer_end_, buffer, sizeof buffer - 1);
    EXPECT_EQ(std::string(buffer, count > 0 ? static_cast<std::size_t>(count) : 0), "MAIL FROM:<a@example.org>\r\n");
}

TEST_F(CustomerSessionTest, TransactionIsExclusive) {
    auto first = session_->begin_transaction(Deadline::after(wake_timeout));
    ASSERT_TRUE(first.has_value());

    auto second = wait_for_transaction_in_thread(Deadline::after(30s));
    EXPECT_EQ(second.wait_for(200ms), std::future_status::timeout) << "two transactions held the connection";

    first->end();
    ASSERT_EQ(second.wait_for(wake_timeout), std::future_status::ready);
    EXPECT_TRUE(second.get());
}

TEST_F(CustomerSessionTest, TransactionsNeverOverlap) {
    std::atomic<int> holders = 0;
    std::atomic<int> max_holders = 0;
    std::atomic<int> granted = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                auto transaction = session_->begin_transaction(Deadline::after(wake_timeout));
                if (!transaction) continue;
                ++granted;
                const int now = ++holders;
                int seen = max_holders.load();
                while (now > seen && !max_holders.compare_exchange_weak(seen, now)) {
                }
                std::this_thread::yield();
                --holders;
            }
        });
    }
    for (auto& thread : threads) thread.join();

    EXPECT_EQ(granted.load(), 800);
    EXPECT_EQ(max_holders.load(), 1);
}

TEST_F(CustomerSessionTest, TransactionEndsWithScope) {
    {
        auto first = session_->begin_transaction(Deadline::after(wake_timeout));
        ASSERT_TRUE(first.has_value());
    }
    EXPECT_TRUE(session_->begin_transaction(Deadline::after(1s)).has_value());
}

TEST_F(CustomerSessionTest, MovedTransactionKeepsConnection) {
    auto first = session_->begin_transaction(Deadline::after(wake_timeout));
    ASSERT_TRUE(first.has_value());
    CustomerSession::Transaction moved = std::move(*first);
    first.reset();

    EXPECT_FALSE(session_->begin_transaction(Deadline::after(50ms)).has_value());
    moved.end();
    EXPECT_TRUE(session_->begin_transaction(Deadline::after(1s)).has_value());
}

TEST_F(CustomerSessionTest, BeginTransactionTimesOut) {
    auto first = session_->begin_transaction(Deadline::after(wake_timeout));
    ASSERT_TRUE(first.has_value());

    const auto start = Clock::now();
    EXPECT_FALSE(session_->begin_transaction(Deadline::after(100ms)).has_value());
    EXPECT_GE(Clock::now() - start, 100ms);
}

TEST_F(CustomerSessionTest, CloseWakesWaiters) {
    auto running = session_->begin_transaction(Deadline::after(wake_timeout));
    ASSERT_TRUE(running.has_value());
    auto waiter = wait_for_transaction_in_thread(Deadline::after(30s));
    EXPECT_EQ(waiter.wait_for(100ms), std::future_status::timeout);

    auto closer = std::async(std::launch::async, [this] { session_->close(Deadline::never()); });
    ASSERT_EQ(waiter.wait_for(wake_timeout), std::future_status::ready);
    EXPECT_FALSE(waiter.get());

    // close() gives the connection to its caller only after the running
    // transaction ends.
    EXPECT_EQ(closer.wait_for(100ms), std::future_status::timeout);
    running->end();
    EXPECT_EQ(closer.wait_for(wake_timeout), std::future_status::ready);
}

TEST_F(CustomerSessionTest, NoTransactionAfterClose) {
    session_->close(Deadline::after(wake_timeout));
    EXPECT_FALSE(session_->begin_transaction(Deadline::after(wake_timeout)).has_value());
}

TEST_F(CustomerSessionTest, CloseWithoutDeadline) {
    session_->close(Deadline::never());
    EXPECT_FALSE(session_->begin_transaction(Deadline::never()).has_value());
}

TEST_F(CustomerSessionTest, MarkBrokenWakesWaiters) {
    auto running = session_->begin_transaction(Deadline::after(wake_timeout));
    ASSERT_TRUE(running.has_value());
    auto waiter = wait_for_transaction_in_thread(Deadline::after(30s));
    EXPECT_EQ(waiter.wait_for(100ms), std::future_status::timeout);

    session_->mark_broken("connection reset by customer");
    ASSERT_EQ(waiter.wait_for(wake_timeout), std::future_status::ready);
    EXPECT_FALSE(waiter.get());
}

TEST_F(CustomerSessionTest, MarkBrokenKeepsFirstReason) {
    EXPECT_FALSE(session_->broken());
    session_->mark_broken("timeout after DATA");
    session_->mark_broken("connection reset");
    EXPECT_TRUE(session_->broken());
    EXPECT_EQ(session_->broken_reason(), "timeout after DATA");
    EXPECT_FALSE(session_->begin_transaction(Deadline::after(wake_timeout)).has_value());
}

TEST_F(CustomerSessionTest, QuietAfterGrace) {
    const auto start = Clock::now();
    EXPECT_TRUE(session_->wait_until_quiet(100ms, Deadline::after(wake_timeout)));
    EXPECT_GE(Clock::now() - start, 100ms);
}

TEST_F(CustomerSessionTest, QuietWaitsForRunningTransaction) {
    auto running = session_->begin_transaction(Deadline::after(wake_timeout));
    ASSERT_TRUE(running.has_value());
    auto quiet = std::async(std::launch::async, [this] { return session_->wait_until_quiet(50ms, Deadline::after(30s)); });
    EXPECT_EQ(quiet.wait_for(300ms), std::future_status::timeout) << "quiet while a transaction ran";

    const auto ended = Clock::now();
    running->end();
    ASSERT_EQ(quiet.wait_for(wake_timeout), std::future_status::ready);
    EXPECT_TRUE(quiet.get());
    EXPECT_GE(Clock::now() - ended, 50ms);
}

TEST_F(CustomerSessionTest, ActivityRestartsGrace) {
    auto quiet = std::async(std::launch::async, [this] { return session_->wait_until_quiet(300ms, Deadline::after(30s)); });
    const auto start = Clock::now();
    for (int i = 0; i < 5; ++i) {
        std::this_thread::sleep_for(100ms);
        session_->note_activity();
    }
    const auto last_activity = Clock::now();
    ASSERT_EQ(quiet.wait_for(wake_timeout), std::future_status::ready);
    EXPECT_TRUE(quiet.get());
    EXPECT_GE(Clock::now() - last_activity, 250ms);
    EXPECT_GE(Clock::now() - start, 700ms);
}

TEST_F(CustomerSessionTest, QuietFailsWhenBroken) {
    session_->mark_broken("connection reset");
    const auto start = Clock::now();
    EXPECT_FALSE(session_->wait_until_quiet(10s, Deadline::after(30s)));
    EXPECT_LT(Clock::now() - start, 1s);
}

TEST_F(CustomerSessionTest, BrokenWakesQuietWait) {
    auto running = session_->begin_transaction(Deadline::after(wake_timeout));
    ASSERT_TRUE(running.has_value());
    auto quiet = std::async(std::launch::async, [this] { return session_->wait_until_quiet(10s, Deadline::after(30s)); });
    EXPECT_EQ(quiet.wait_for(100ms), std::future_status::timeout);

    session_->mark_broken("connection reset");
    running->end();
    ASSERT_EQ(quiet.wait_for(wake_timeout), std::future_status::ready);
    EXPECT_FALSE(quiet.get());
}

TEST_F(CustomerSessionTest, QuietFailsAtDeadline) {
    auto running = session_->begin_transaction(Deadline::after(wake_timeout));
    ASSERT_TRUE(running.has_value());
    const auto start = Clock::now();
    EXPECT_FALSE(session_->wait_until_quiet(50ms, Deadline::after(200ms)));
    EXPECT_GE(Clock::now() - start, 200ms);
    EXPECT_LT(Clock::now() - start, wake_timeout);
}

}  // namespace
}  // namespace odmr
