#include "plugin/milter/held_mail_accounting.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

QueueListing listing_at(Clock::time_point started, std::map<std::string, DomainUsage> usage,
                        std::unordered_set<std::string> queue_ids = {}) {
    QueueListing listing;
    listing.started = started;
    listing.usage = std::move(usage);
    listing.queue_ids = std::move(queue_ids);
    return listing;
}

TEST(HeldMailAccounting, UnknownUntilFirstListing) {
    HeldMailAccounting accounting;

    EXPECT_FALSE(accounting.counted());
    EXPECT_EQ(accounting.reserve("example.com", {5, 0}, 0).outcome, Reservation::Outcome::not_counted);

    accounting.apply(listing_at(Clock::now(), {}));

    EXPECT_TRUE(accounting.counted());
    EXPECT_EQ(accounting.reserve("example.com", {5, 0}, 0).outcome, Reservation::Outcome::reserved);
}

TEST(HeldMailAccounting, ListingReplacesListedUsage) {
    HeldMailAccounting accounting;

    accounting.apply(listing_at(Clock::now(), {{"example.com", {3, 300}}, {"example.net", {1, 10}}}));
    accounting.apply(listing_at(Clock::now(), {{"example.com", {2, 200}}}));

    EXPECT_EQ(accounting.usage("example.com").messages, 2u);
    EXPECT_EQ(accounting.usage("example.com").bytes, 200u);
    EXPECT_EQ(accounting.usage("example.net").messages, 0u) << "a domain missing from a listing holds nothing";
}

TEST(HeldMailAccounting, AcceptedMessageCountsUntilListed) {
    HeldMailAccounting accounting;
    accounting.apply(listing_at(Clock::now(), {{"example.com", {1, 100}}}));

    ASSERT_EQ(accounting.reserve("example.com", {}, 50).outcome, Reservation::Outcome::reserved);
    accounting.accept("4F2A1C", {{"example.com", 50}}, 80);

    EXPECT_EQ(accounting.usage("example.com").messages, 2u);
    EXPECT_EQ(accounting.usage("example.com").bytes, 180u) << "the real size replaces the declared size";

    accounting.apply(listing_at(Clock::now(), {{"example.com", {2, 190}}}, {"4F2A1C"}));

    EXPECT_EQ(accounting.usage("example.com").messages, 2u) << "listed and accepted must not both count it";
    EXPECT_EQ(accounting.usage("example.com").bytes, 190u);
    EXPECT_EQ(accounting.accepted_count(), 0u);
}

TEST(HeldMailAccounting, AcceptedMessageStaysWithinGraceTime) {
    HeldMailAccounting accounting(10s);
    accounting.apply(listing_at(Clock::now(), {}));
    accounting.reserve("example.com", {}, 0);
    accounting.accept("4F2A1C", {{"example.com", 0}}, 80);

    // The MTA may still be writing the queue file when a listing runs.
    accounting.apply(listing_at(Clock::now() + 5s, {}));

    EXPECT_EQ(accounting.usage("example.com").messages, 1u);
    EXPECT_EQ(accounting.accepted_count(), 1u);
}

TEST(HeldMailAccounting, AcceptedMessageGoneAfterGraceTime) {
    HeldMailAccounting accounting(10s);
    accounting.apply(listing_at(Clock::now(), {}));
    accounting.reserve("example.com", {}, 0);
    accounting.accept("4F2A1C", {{"example.com", 0}}, 80);

    accounting.apply(listing_at(Clock::now() + 11s, {}));

    EXPECT_EQ(accounting.usage("example.com").messages, 0u);
    EXPECT_EQ(accounting.usage("example.com").bytes, 0u);
    EXPECT_EQ(accounting.accepted_count(), 0u);
}

TEST(HeldMailAccounting, AcceptedInTwoDomainsCountsInBoth) {
    HeldMailAccounting accounting;
    accounting.apply(listing_at(Clock::now(), {}));
    accounting.reserve("example.com", {}, 0);
    accounting.reserve("example.net", {}, 0);

    accounting.accept("4F2A1C", {{"example.com", 0}, {"example.net", 0}}, 80);

    EXPECT_EQ(accounting.usage("example.com").messages, 1u);
    EXPECT_EQ(accounting.usage("example.net").messages, 1u);
}

TEST(HeldMailAccounting, SameQueueIdAcceptedTwiceCountsOnce) {
    HeldMailAccounting accounting;
    accounting.apply(listing_at(Clock::now(), {}));

    accounting.reserve("example.com", {}, 0);
    accounting.accept("4F2A1C", {{"example.com", 0}}, 80);
    accounting.reserve("example.com", {}, 0);
    accounting.accept("4F2A1C", {{"example.com", 0}}, 90);

    EXPECT_EQ(accounting.usage("example.com").messages, 1u);
    EXPECT_EQ(accounting.usage("example.com").bytes, 90u);
}

TEST(HeldMailAccounting, OverLimitReportsUsageAndReservesNothing) {
    HeldMailAccounting accounting;
    accounting.apply(listing_at(Clock::now(), {{"example.com", {5, 500}}}));

    const Reservation reservation = accounting.reserve("example.com", {5, 0}, 0);

    EXPECT_EQ(reservation.outcome, Reservation::Outcome::over_limit);
    EXPECT_EQ(reservation.usage.messages, 5u);
    EXPECT_EQ(reservation.usage.bytes, 500u);
    EXPECT_EQ(accounting.usage("example.com").messages, 5u);
}

TEST(HeldMailAccounting, CancelNeverGoesBelowZero) {
    HeldMailAccounting accounting;
    accounting.apply(listing_at(Clock::now(), {}));

    accounting.cancel("example.com", 100);

    EXPECT_EQ(accounting.usage("example.com").messages, 0u);
    EXPECT_EQ(accounting.usage("example.com").bytes, 0u);
}

TEST(HeldMailAccounting, ConcurrentReservationsStopAtLimit) {
    HeldMailAccounting accounting;
    accounting.apply(listing_at(Clock::now(), {{"example.com", {900, 0}}}));
    std::atomic<int> reserved{0};

    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                if (accounting.reserve("example.com", {1000, 0}, 0).outcome == Reservation::Outcome::reserved) {
                    ++reserved;
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();

    EXPECT_EQ(reserved.load(), 100);
    EXPECT_EQ(accounting.usage("example.com").messages, 1000u);
}

}  // namespace
}  // namespace odmr::test
