#include "plugin/milter/queue_refresher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/harness/network.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

// A host queue with a fixed content, for the refresher's own logic: the
// sums per domain, failures and the thread. The end-to-end tests run the
// same code on a real Postfix queue through postqueue -j.
class FakeHostQueue : public HostQueue {
public:
    std::vector<HeldMessage> list_held(const DomainFilter& filter) override {
        const std::lock_guard lock(mutex);
        ++listings;
        std::this_thread::sleep_for(delay);
        if (!failure.empty()) throw HostQueueError(failure);

        std::vector<HeldMessage> held;
        for (HeldMessage message : messages) {
            std::vector<std::string> kept;
            for (const auto& recipient : message.recipients) {
                if (filter(recipient.substr(recipient.find('@') + 1))) kept.push_back(recipient);
            }
            message.recipients = kept;
            if (!kept.empty()) held.push_back(message);
        }
        return held;
    }

    void release(const std::string&) override {}

    std::mutex mutex;
    std::vector<HeldMessage> messages;
    std::string failure;
    std::chrono::milliseconds delay{0};  // how long each listing takes
    std::atomic<int> listings{0};
};

HeldMessage message(const std::string& queue_id, std::uint64_t size, std::vector<std::string> recipients) {
    HeldMessage held;
    held.queue_id = queue_id;
    held.queue_name = "deferred";
    held.size = size;
    held.recipients = std::move(recipients);
    return held;
}

class QueueRefresherTest : public ::testing::Test {
protected:
    QueueRefresherTest() {
        write_file(directory_.file("queue-domains"), "example.com max_messages=10\nexample.net\n");
        table_ = std::make_shared<const QueueDomainTable>(QueueDomainTable::load(directory_.file("queue-domains")));
    }

    TempDirectory directory_;
    std::shared_ptr<const QueueDomainTable> table_;
    FakeHostQueue host_;
};

TEST_F(QueueRefresherTest, ListingSumsEachDomainOncePerMessage) {
    host_.messages = {
        message("A1", 100, {"a@example.com", "b@example.com", "c@example.net"}),
        message("A2", 50, {"d@example.com"}),
        message("A3", 70, {"e@elsewhere.test"}),
    };

    const QueueListing listing = list_queue(host_, *table_);

    EXPECT_EQ(listing.usage.at("example.com").messages, 2u);
    EXPECT_EQ(listing.usage.at("example.com").bytes, 150u);
    EXPECT_EQ(listing.usage.at("example.net").messages, 1u);
    EXPECT_EQ(listing.usage.at("example.net").bytes, 100u);
    EXPECT_EQ(listing.usage.count("elsewhere.test"), 0u);
    EXPECT_EQ(listing.queue_ids, (std::unordered_set<std::string>{"A1", "A2"}));
}

TEST_F(QueueRefresherTest, ListingMatchesDomainsInAnyCase) {
    host_.messages = {message("A1", 100, {"a@Example.COM"})};

    const QueueListing listing = list_queue(host_, *table_);

    EXPECT_EQ(listing.usage.at("example.com").messages, 1u);
}

TEST_F(QueueRefresherTest, RefreshAppliesListing) {
    host_.messages = {message("A1", 100, {"a@example.com"})};
    HeldMailAccounting accounting;
    QueueRefresher refresher(host_, table_, accounting, 3600s);

    refresher.refresh();

    EXPECT_TRUE(accounting.counted());
    EXPECT_EQ(accounting.usage("example.com").messages, 1u);
}

TEST_F(QueueRefresherTest, ThreadListsAtStartAndEveryInterval) {
    host_.messages = {message("A1", 100, {"a@example.com"})};
    HeldMailAccounting accounting;
    QueueRefresher refresher(host_, table_, accounting, 1s);

    refresher.start();

    EXPECT_TRUE(wait_until([&] { return accounting.counted(); }, 5s));
    EXPECT_EQ(accounting.usage("example.com").messages, 1u);
    {
        const std::lock_guard lock(host_.mutex);
        host_.messages.push_back(message("A2", 100, {"b@example.com"}));
    }
    EXPECT_TRUE(wait_until([&] { return accounting.usage("example.com").messages == 2; }, 5s));
    refresher.stop();
}

TEST_F(QueueRefresherTest, FailedListingKeepsLastCounts) {
    host_.messages = {message("A1", 100, {"a@example.com"})};
    HeldMailAccounting accounting;
    QueueRefresher refresher(host_, table_, accounting, 1s);
    refresher.refresh();
    {
        const std::lock_guard lock(host_.mutex);
        host_.failure = "postqueue -j failed with status 75: fatal: Queue report unavailable";
        host_.messages.clear();
    }

    refresher.start();
    const int before = host_.listings;
    EXPECT_TRUE(wait_until([&] { return host_.listings >= before + 2; }, 5s));
    refresher.stop();

    EXPECT_EQ(accounting.usage("example.com").messages, 1u);
}

TEST_F(QueueRefresherTest, SlowListingWarnsOnce) {
    host_.delay = 600ms;
    HeldMailAccounting accounting;
    QueueRefresher refresher(host_, table_, accounting, 1s);

    ::testing::internal::CaptureStderr();
    refresher.refresh();
    refresher.refresh();
    const std::string output = ::testing::internal::GetCapturedStderr();

    const std::string warning = "more than half of refresh_interval (1 s); raise refresh_interval";
    const auto first = output.find(warning);
    ASSERT_NE(first, std::string::npos) << output;
    EXPECT_EQ(output.find(warning, first + 1), std::string::npos) << "warned twice:\n" << output;
}

TEST_F(QueueRefresherTest, QuickListingDoesNotWarn) {
    HeldMailAccounting accounting;
    QueueRefresher refresher(host_, table_, accounting, 1s);

    ::testing::internal::CaptureStderr();
    refresher.refresh();
    const std::string output = ::testing::internal::GetCapturedStderr();

    EXPECT_EQ(output.find("refresh_interval"), std::string::npos) << output;
}

TEST_F(QueueRefresherTest, StopEndsWaitAtOnce) {
    HeldMailAccounting accounting;
    QueueRefresher refresher(host_, table_, accounting, 3600s);
    refresher.start();
    ASSERT_TRUE(wait_until([&] { return accounting.counted(); }, 5s));

    const auto started = Clock::now();
    refresher.stop();

    EXPECT_LT(Clock::now() - started, 2s);
}

}  // namespace
}  // namespace odmr::test
