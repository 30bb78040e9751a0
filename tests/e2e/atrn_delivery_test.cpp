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

TEST_F(AtrnDelivery, CramMd5SchemeLogsIn) {
    start_all();
    const std::string original = hold_message({"someone@example.net"}, "for bob");

    const FetchmailRun run = fetch("bob", "bob-secret", "example.net");

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
    EXPECT_TRUE(ends_with_original(customer_->delivered_messages().front(), original));
}

TEST_F(AtrnDelivery, OtherDomainRecipientStaysHeld) {
    start_all();
    const std::string original =
        hold_message({"a1@example.com", "a2@example.net", "a3@example.com"}, "three recipients, two domains");

    const FetchmailRun run = fetch("alice", "alice-secret", "example.com");

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(2, 20s)) << customer_->log();
    const auto delivered = customer_->delivered_messages();
    ASSERT_EQ(delivered.size(), 2u);
    std::string delivered_to;
    for (const auto& copy : delivered) {
        EXPECT_TRUE(ends_with_original(copy, original));
        delivered_to += copy.substr(copy.find("Delivered-To: "), copy.find('\n', copy.find("Delivered-To: ")) - copy.find("Delivered-To: ")) + ";";
    }
    EXPECT_NE(delivered_to.find("Delivered-To: a1@example.com;"), std::string::npos) << delivered_to;
    EXPECT_NE(delivered_to.find("Delivered-To: a3@example.com;"), std::string::npos) << delivered_to;

    const auto queue = provider_->queue();
    ASSERT_EQ(queue.size(), 1u);
    ASSERT_EQ(queue.front().recipients.size(), 1u);
    EXPECT_EQ(queue.front().recipients.front(), "a2@example.net");
}

TEST_F(AtrnDelivery, AwkwardBodiesArriveIntact) {
    start_all();
    const std::string long_line(5000, 'x');
    const std::vector<std::string> bodies{
        ".\nA line with only a dot came first.\n",
        "..\n...\n.\n",
        ".x starts the body\n",
        "before\n" + long_line + "\nafter\n",
        "no final line end",
    };
    std::vector<std::string> originals;
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        originals.push_back(hold_message({"body" + std::to_string(i) + "@example.com"}, "body " + std::to_string(i), bodies[i]));
    }

    const FetchmailRun run = fetch("alice", "alice-secret", "example.com");

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(bodies.size(), 20s)) << customer_->log();
    const auto delivered = customer_->delivered_messages();
    for (std::size_t i = 0; i < originals.size(); ++i) {
        // Postfix ends a body that lacks a final line end with one.
        std::string expected = originals[i];
        if (expected.back() != '\n') expected += '\n';
        bool found = false;
        for (const auto& copy : delivered) found = found || ends_with_original(copy, expected);
        EXPECT_TRUE(found) << "body " << i << " was changed on the way";
    }
}

// Decodes quoted-printable (RFC 2045 section 6.7), enough for a test body.
std::string decode_quoted_printable(const std::string& text) {
    std::string decoded;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            decoded += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == '\n') {
            ++i;
        } else if (i + 2 < text.size()) {
            decoded += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        }
    }
    return decoded;
}

TEST_F(AtrnDelivery, EightBitBodyDowngradedForSevenBitCustomer) {
    // The customer hides 8BITMIME (and SMTPUTF8, which implies it), so
    // odmrd must not offer it to Postfix,
    // and Postfix converts the body to quoted-printable itself.
    start_all({}, {"smtpd_discard_ehlo_keywords = 8bitmime, smtputf8"});
    const std::string body = "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln, \xc3\xa9t\xc3\xa9 \xe2\x82\xac\n";
    hold_message({"umlaut@example.com"}, "eight bit", body, "Content-Transfer-Encoding: 8bit\n");

    const FetchmailRun run = fetch("alice", "alice-secret", "example.com");

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
    const std::string copy = customer_->delivered_messages().front();
    EXPECT_NE(copy.find("Content-Transfer-Encoding: quoted-printable"), std::string::npos) << copy;
    const std::string received_body = copy.substr(copy.find("\n\n") + 2);
    EXPECT_EQ(decode_quoted_printable(received_body), body);
    for (const unsigned char c : copy) EXPECT_LT(c, 0x80) << "8-bit byte reached a 7-bit customer";
}

TEST_F(AtrnDelivery, EightBitBodyPassesUnchanged) {
    start_all();
    const std::string body = "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln\n";
    const std::string original =
        hold_message({"umlaut@example.com"}, "eight bit", body, "Content-Transfer-Encoding: 8bit\n");

    const FetchmailRun run = fetch("alice", "alice-secret", "example.com");

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
    EXPECT_TRUE(ends_with_original(customer_->delivered_messages().front(), original));
}

TEST_F(AtrnDelivery, LogsOneLinePerRecipient) {
    start_all();
    hold_message({"r1@example.com", "r2@example.com"}, "two recipients");
    const auto queue = provider_->queue();
    ASSERT_EQ(queue.size(), 1u);
    const std::string queue_id = queue.front().queue_id;

    const FetchmailRun run = fetch("alice", "alice-secret", "example.com");

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(odmrd_->wait_for_log("session=atrn end:", 20s)) << odmrd_->log();
    const std::string log = odmrd_->log();
    for (const std::string recipient : {"r1@example.com", "r2@example.com"}) {
        const std::string line_start = queue_id + ": to=<" + recipient + ">, domain=example.com, relay=customer.test[127.0.0.1]:";
        EXPECT_NE(log.find(line_start), std::string::npos) << log;
    }
    EXPECT_NE(log.find("session=atrn, delay="), std::string::npos) << log;
    EXPECT_NE(log.find("status=sent (250 2.0.0 Ok: queued as "), std::string::npos) << log;
    EXPECT_NE(log.find("sent=2 deferred=0 bounced=0 messages=1"), std::string::npos) << log;
    EXPECT_EQ(log.find("alice-secret"), std::string::npos) << "a password reached the log";
}

TEST_F(AtrnDelivery, NothingWaitingGives453) {
    start_all();

    const FetchmailRun run = fetch("alice", "alice-secret", "example.com");

    EXPECT_NE(run.output.find("453"), std::string::npos) << run.output;
    EXPECT_TRUE(customer_->delivered_messages().empty());
}

}  // namespace
}  // namespace odmr::test
