// ATRN end to end: a real provider Postfix holds the mail, real fetchmail
// logs in to odmrd and turns the connection around, and a real customer
// Postfix receives the mail.
#include <gtest/gtest.h>

#include "tests/e2e/atrn_fixture.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

class AtrnDelivery : public AtrnFixture {};

TEST_F(AtrnDelivery, FetchmailCollectsEveryHeldMessage) {
    start_all();
    std::vector<std::string> originals;
    for (int i = 0; i < 3; ++i) {
        originals.push_back(hold_message({"user" + std::to_string(i) + "@example.com"}, "held " + std::to_string(i),
                                         "Message number " + std::to_string(i) + ".\n"));
    }

    const FetchmailRun run = fetch("alice", "alice-secret", "example.com");

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(3, 20s)) << customer_->log();
    const auto delivered = customer_->delivered_messages();
    for (const auto& original : originals) {
        bool found = false;
        for (const auto& copy : delivered) found = found || ends_with_original(copy, original);
        EXPECT_TRUE(found) << "not delivered byte for byte:\n" << original;
    }
    EXPECT_EQ(provider_->queued_recipients(), 0u) << provider_->log();
}

}  // namespace
}  // namespace odmr::test
