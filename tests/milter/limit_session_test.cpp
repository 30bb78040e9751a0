#include "plugin/milter/limit_session.hpp"

#include <gtest/gtest.h>

#include "tests/harness/temp_directory.hpp"
#include "tests/milter/fake_milter_context.hpp"

namespace odmr::test {
namespace {

class LimitSessionTest : public ::testing::Test {
protected:
    // Loads a queue-domain table from its text, as an admin would write it.
    void use_table(const std::string& text) {
        write_file(directory_.file("queue-domains"), text);
        policy_.queue_domains = std::make_shared<const QueueDomainTable>(
            QueueDomainTable::load(directory_.file("queue-domains")));
    }

    // Applies a queue listing in which each domain holds the given usage.
    void listed(const std::map<std::string, DomainUsage>& usage) {
        QueueListing listing;
        listing.started = Clock::now();
        listing.usage = usage;
        accounting_.apply(listing);
    }

    std::unique_ptr<LimitSession> session() { return std::make_unique<LimitSession>(policy_, accounting_); }

    MilterStatus send_message_body(LimitSession& session, std::size_t body_size) {
        session.header("Subject", "test");
        session.end_of_headers();
        session.body(body_size);
        return session.end_of_message(context_);
    }

    TempDirectory directory_;
    LimitPolicy policy_;
    HeldMailAccounting accounting_;
    FakeMilterContext context_;
};

TEST_F(LimitSessionTest, DomainAtMaxMessagesGets452) {
    use_table("example.com max_messages=2\n");
    listed({{"example.com", {2, 100}}});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>"});
    const MilterStatus status = limits->recipient(context_, {"<a@example.com>"});

    EXPECT_EQ(status, MilterStatus::tempfail);
    EXPECT_EQ(context_.last_reply().code, "452");
    EXPECT_EQ(context_.last_reply().enhanced, "4.2.2");
    EXPECT_EQ(context_.last_reply().text, "<example.com>: too much mail held for this domain; try again later");
}

TEST_F(LimitSessionTest, OtherRecipientsPassBesideFullDomain) {
    use_table("example.com max_messages=2\nexample.net max_messages=2\n");
    listed({{"example.com", {2, 100}}, {"example.net", {1, 100}}});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>", "SIZE=100"});

    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::tempfail);
    EXPECT_EQ(limits->recipient(context_, {"<b@example.net>"}), MilterStatus::proceed);
    EXPECT_EQ(limits->recipient(context_, {"<c@elsewhere.test>"}), MilterStatus::proceed);
    EXPECT_EQ(context_.replies.size(), 1u);
}

TEST_F(LimitSessionTest, DomainBelowLimitAcceptsOneMore) {
    use_table("example.com max_messages=2\n");
    listed({{"example.com", {1, 100}}});
    auto first = session();
    auto second = session();

    first->mail(context_, {"<sender@sender.test>"});
    second->mail(context_, {"<sender@sender.test>"});

    EXPECT_EQ(first->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
    EXPECT_EQ(second->recipient(context_, {"<b@example.com>"}), MilterStatus::tempfail)
        << "the first transaction already takes the last place";
}

TEST_F(LimitSessionTest, AbortGivesThePlaceBack) {
    use_table("example.com max_messages=1\n");
    listed({});
    auto first = session();
    auto second = session();

    first->mail(context_, {"<sender@sender.test>"});
    ASSERT_EQ(first->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
    first->abort();
    second->mail(context_, {"<sender@sender.test>"});

    EXPECT_EQ(second->recipient(context_, {"<b@example.com>"}), MilterStatus::proceed);
}

TEST_F(LimitSessionTest, ClosedConnectionGivesThePlaceBack) {
    use_table("example.com max_messages=1\n");
    listed({});
    auto first = session();
    first->mail(context_, {"<sender@sender.test>"});
    ASSERT_EQ(first->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);

    first.reset();

    EXPECT_EQ(accounting_.usage("example.com").messages, 0u);
}

TEST_F(LimitSessionTest, NewMailEndsUnfinishedTransaction) {
    use_table("example.com max_messages=1\n");
    listed({});
    auto limits = session();
    limits->mail(context_, {"<sender@sender.test>"});
    ASSERT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);

    limits->mail(context_, {"<sender@sender.test>"});

    EXPECT_EQ(accounting_.usage("example.com").messages, 0u);
    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
}

TEST_F(LimitSessionTest, AcceptedMessageCountsWithItsSize) {
    use_table("example.com max_messages=2\n");
    listed({});
    context_.macros["i"] = "4F2A1C";
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>"});
    limits->recipient(context_, {"<a@example.com>"});
    const MilterStatus status = send_message_body(*limits, 1000);

    EXPECT_EQ(status, MilterStatus::proceed);
    const DomainUsage usage = accounting_.usage("example.com");
    EXPECT_EQ(usage.messages, 1u);
    EXPECT_EQ(usage.bytes, std::string("Subject: test\r\n\r\n").size() + 1000);
    EXPECT_EQ(accounting_.accepted_count(), 1u);
}

TEST_F(LimitSessionTest, TwoRecipientsOfOneDomainCountOnce) {
    use_table("example.com max_messages=1\n");
    listed({});
    context_.macros["i"] = "4F2A1C";
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>"});
    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
    EXPECT_EQ(limits->recipient(context_, {"<b@EXAMPLE.com>"}), MilterStatus::proceed);
    send_message_body(*limits, 10);

    EXPECT_EQ(accounting_.usage("example.com").messages, 1u);
}

TEST_F(LimitSessionTest, MaxBytesCountsDeclaredSize) {
    use_table("example.com max_bytes=1000\n");
    listed({{"example.com", {3, 900}}});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>", "SIZE=101"});
    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::tempfail);

    limits->mail(context_, {"<sender@sender.test>", "SIZE=100"});
    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
}

TEST_F(LimitSessionTest, MaxBytesReachedRejectsMailWithoutSize) {
    use_table("example.com max_bytes=1K\n");
    listed({{"example.com", {3, 1024}}});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>"});

    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::tempfail);
    EXPECT_EQ(context_.last_reply().code, "452");
}

TEST_F(LimitSessionTest, ZeroAndMissingLimitsMeanNoLimit) {
    use_table("example.com max_messages=0 max_bytes=0 max_message_size=0\nexample.net\n");
    listed({{"example.com", {1000000, 1ULL << 40}}, {"example.net", {1000000, 1ULL << 40}}});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>", "SIZE=2000000000"});

    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
    EXPECT_EQ(limits->recipient(context_, {"<b@example.net>"}), MilterStatus::proceed);
    EXPECT_EQ(send_message_body(*limits, 50000000), MilterStatus::proceed);
    EXPECT_TRUE(context_.replies.empty());
}

TEST_F(LimitSessionTest, UncountedDomainGets451UntilFirstListing) {
    use_table("example.com max_messages=5\nexample.net\n");
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>", "SIZE=10"});

    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::tempfail);
    EXPECT_EQ(context_.last_reply().code, "451");
    EXPECT_EQ(context_.last_reply().enhanced, "4.3.0");
    EXPECT_EQ(limits->recipient(context_, {"<b@example.net>"}), MilterStatus::proceed)
        << "a domain without held limits needs no count";

    listed({});
    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
}

TEST_F(LimitSessionTest, DeclaredSizeAboveLimitGets552) {
    use_table("example.com max_message_size=1000\nexample.net\n");
    listed({});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>", "SIZE=1001"});

    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::reject);
    EXPECT_EQ(context_.last_reply().code, "552");
    EXPECT_EQ(context_.last_reply().enhanced, "5.3.4");
    EXPECT_EQ(context_.last_reply().text,
              "<example.com>: message size 1001 exceeds the limit of 1000 bytes for this domain");
    EXPECT_EQ(limits->recipient(context_, {"<b@example.net>"}), MilterStatus::proceed);
}

TEST_F(LimitSessionTest, DeclaredSizeAtLimitPasses) {
    use_table("example.com max_message_size=1000\n");
    listed({});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>", "size=1000"});

    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
}

TEST_F(LimitSessionTest, RealSizeAboveLimitGets552AtEnd) {
    use_table("example.com max_messages=5 max_message_size=1000\n");
    listed({});
    context_.macros["i"] = "4F2A1C";
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>"});
    ASSERT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
    const MilterStatus status = send_message_body(*limits, 1000);

    EXPECT_EQ(status, MilterStatus::reject);
    EXPECT_EQ(context_.last_reply().code, "552");
    EXPECT_EQ(context_.last_reply().enhanced, "5.3.4");
    EXPECT_EQ(accounting_.usage("example.com").messages, 0u) << "a rejected message holds no place";
    EXPECT_EQ(accounting_.accepted_count(), 0u);
}

TEST_F(LimitSessionTest, WithoutSizeOtherLimitWaitsForOwnTransaction) {
    use_table("example.com max_message_size=1000\nexample.net max_message_size=2000\n");
    listed({});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>"});

    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
    EXPECT_EQ(limits->recipient(context_, {"<b@example.net>"}), MilterStatus::tempfail);
    EXPECT_EQ(context_.last_reply().code, "452");
    EXPECT_EQ(context_.last_reply().enhanced, "4.5.3");
    EXPECT_EQ(limits->recipient(context_, {"<c@elsewhere.test>"}), MilterStatus::tempfail)
        << "a domain without a limit differs from one with a limit";
    EXPECT_EQ(limits->recipient(context_, {"<d@example.com>"}), MilterStatus::proceed);
}

TEST_F(LimitSessionTest, WithoutSizeOddDomainStaysOutOfReply) {
    use_table("example.com max_message_size=1000\n");
    listed({});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>"});
    limits->recipient(context_, {"<a@example.com>"});

    EXPECT_EQ(limits->recipient(context_, {"<b@[192.0.2.7]>"}), MilterStatus::tempfail);
    EXPECT_EQ(context_.last_reply().text, "send mail for this recipient in a separate transaction");
    EXPECT_EQ(limits->recipient(context_, {"<c@exa%25mple.test>"}), MilterStatus::tempfail);
    EXPECT_EQ(context_.last_reply().text, "send mail for this recipient in a separate transaction");
}

TEST_F(LimitSessionTest, WithoutSizeUnlimitedRecipientsShareTransaction) {
    use_table("example.com max_message_size=1000\nexample.net\n");
    listed({});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>"});

    EXPECT_EQ(limits->recipient(context_, {"<a@elsewhere.test>"}), MilterStatus::proceed);
    EXPECT_EQ(limits->recipient(context_, {"<b@example.net>"}), MilterStatus::proceed);
    EXPECT_EQ(limits->recipient(context_, {"<c@example.com>"}), MilterStatus::tempfail);
}

TEST_F(LimitSessionTest, WithSizeMixedLimitsShareTransaction) {
    use_table("example.com max_message_size=1000\nexample.net\n");
    listed({});
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>", "SIZE=500"});

    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::proceed);
    EXPECT_EQ(limits->recipient(context_, {"<b@example.net>"}), MilterStatus::proceed);
    EXPECT_EQ(limits->recipient(context_, {"<c@elsewhere.test>"}), MilterStatus::proceed);
    EXPECT_TRUE(context_.replies.empty());
}

TEST_F(LimitSessionTest, LocalSubmissionRefusedAtEnd) {
    use_table("example.com max_messages=1\nexample.net\n");
    listed({{"example.com", {1, 100}}});
    context_.macros["{daemon_port}"] = "0";
    auto limits = session();

    limits->mail(context_, {"sender@sender.test"});
    EXPECT_EQ(limits->recipient(context_, {"a@example.com"}), MilterStatus::proceed);
    EXPECT_EQ(limits->recipient(context_, {"b@example.net"}), MilterStatus::proceed);
    EXPECT_TRUE(context_.replies.empty()) << "Postfix cannot refuse one recipient of a local submission";

    EXPECT_EQ(send_message_body(*limits, 10), MilterStatus::tempfail);
    EXPECT_EQ(context_.last_reply().code, "452");
    EXPECT_EQ(context_.last_reply().enhanced, "4.2.2");
}

TEST_F(LimitSessionTest, LocalSubmissionTooLargeRejectedAtEnd) {
    use_table("example.com max_message_size=1000\n");
    listed({});
    context_.macros["{daemon_port}"] = "0";
    auto limits = session();

    limits->mail(context_, {"sender@sender.test"});
    EXPECT_EQ(limits->recipient(context_, {"a@example.com"}), MilterStatus::proceed);
    EXPECT_EQ(limits->recipient(context_, {"b@elsewhere.test"}), MilterStatus::proceed)
        << "a local submission cannot be split into transactions";

    EXPECT_EQ(send_message_body(*limits, 2000), MilterStatus::reject);
    EXPECT_EQ(context_.last_reply().code, "552");
}

TEST_F(LimitSessionTest, SmtpPortRejectsAtRcpt) {
    use_table("example.com max_messages=1\n");
    listed({{"example.com", {1, 100}}});
    context_.macros["{daemon_port}"] = "25";
    auto limits = session();

    limits->mail(context_, {"<sender@sender.test>"});

    EXPECT_EQ(limits->recipient(context_, {"<a@example.com>"}), MilterStatus::tempfail);
}

TEST_F(LimitSessionTest, AtrnGets502NamingOdmrPort) {
    use_table("example.com\n");
    policy_.odmr_port = 10366;
    auto limits = session();

    EXPECT_EQ(limits->unknown_command(context_, "ATRN"), MilterStatus::reject);
    EXPECT_EQ(context_.last_reply().code, "502");
    EXPECT_EQ(context_.last_reply().enhanced, "5.5.1");
    EXPECT_EQ(context_.last_reply().text, "ATRN is served on the ODMR port 10366 (RFC 2645), not on this port");
}

TEST_F(LimitSessionTest, AtrnWholeLineAnyCaseGets502) {
    use_table("example.com\n");
    auto limits = session();

    EXPECT_EQ(limits->unknown_command(context_, "atrn example.com,example.net"), MilterStatus::reject);
    EXPECT_EQ(context_.last_reply().code, "502");
}

TEST_F(LimitSessionTest, EtrnWithPasswordGetsAtrnPointer) {
    use_table("example.com\n");
    auto limits = session();

    EXPECT_EQ(limits->unknown_command(context_, std::string(etrn_with_password_verb)), MilterStatus::reject);
    EXPECT_EQ(context_.last_reply().code, "502");
    EXPECT_EQ(context_.last_reply().enhanced, "5.5.1");
    EXPECT_EQ(context_.last_reply().text,
              "ETRN with a password is not served on this port; use ATRN on the ODMR port 366");
}

TEST_F(LimitSessionTest, EtrnWithPasswordGetsEtrnPort) {
    use_table("example.com\n");
    policy_.etrn_port = 1025;
    auto limits = session();

    EXPECT_EQ(limits->unknown_command(context_, std::string(etrn_with_password_verb)), MilterStatus::reject);
    EXPECT_EQ(context_.last_reply().code, "502");
    EXPECT_EQ(context_.last_reply().text, "ETRN with a password is served on port 1025, not on this port");
}

TEST_F(LimitSessionTest, OtherUnknownCommandLeftToMta) {
    use_table("example.com\n");
    auto limits = session();

    EXPECT_EQ(limits->unknown_command(context_, "XFROB"), MilterStatus::proceed);
    EXPECT_TRUE(context_.replies.empty());
}

TEST(RecipientDomain, StripsBracketsCaseAndTrailingDot) {
    EXPECT_EQ(recipient_domain("<User@Example.COM>"), "example.com");
    EXPECT_EQ(recipient_domain("user@example.com."), "example.com");
    EXPECT_EQ(recipient_domain("<\"a@b\"@example.net>"), "example.net");
    EXPECT_EQ(recipient_domain("<postmaster>"), "");
}

TEST(DeclaredSize, ReadsSizeParameter) {
    EXPECT_EQ(declared_size({"<a@b.test>", "BODY=8BITMIME", "SIZE=12345"}), 12345u);
    EXPECT_EQ(declared_size({"<a@b.test>", "size=7"}), 7u);
    EXPECT_EQ(declared_size({"<a@b.test>"}), std::nullopt);
    EXPECT_EQ(declared_size({"<a@b.test>", "SIZE="}), std::nullopt);
    EXPECT_EQ(declared_size({"<a@b.test>", "SIZE=12x"}), std::nullopt);
    EXPECT_EQ(declared_size({"SIZE=5"}), std::nullopt) << "the first argument is the address";
}

}  // namespace
}  // namespace odmr::test
