#include "plugin/host/postfix_queue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace odmr {
namespace {

// Lines that `postqueue -j` of Postfix 3.7.11 (Debian 12) printed for a
// private instance that kept mail back with defer_transports. They show a
// message for two domains, a quoted local part with escapes, an SMTPUTF8
// message, a bounce (null sender), and a message put on hold with
// postsuper -h.
const std::string two_domains_line =
    R"({"queue_name": "deferred", "queue_id": "5BA95A721D6", "arrival_time": 1796418185, "message_size": 365, "forced_expire": false, "sender": "alice@sender.test", "recipients": [{"address": "bob@example.com", "delay_reason": "deferred transport"}, {"address": "carol@example.net", "delay_reason": "deferred transport"}]})";
const std::string quoted_local_part_line =
    R"({"queue_name": "deferred", "queue_id": "8560EA721E0", "arrival_time": 1796418185, "message_size": 422, "forced_expire": false, "sender": "x@sender.test", "recipients": [{"address": "\"odd \\\"name\\\\\"@example.com", "delay_reason": "deferred transport"}]})";
const std::string utf8_line =
    "{\"queue_name\": \"deferred\", \"queue_id\": \"A984DA728D5\", \"arrival_time\": 1796418195, \"message_size\": 325, "
    "\"forced_expire\": false, \"sender\": \"j\xc3\xbcrgen@sender.test\", \"recipients\": [{\"address\": "
    "\"m\xc3\xa4x@example.com\", \"delay_reason\": \"deferred transport\"}]}";
const std::string bounce_line =
    R"({"queue_name": "deferred", "queue_id": "71E58A721DC", "arrival_time": 1796418185, "message_size": 387, "forced_expire": false, "sender": "MAILER-DAEMON", "recipients": [{"address": "dave@EXAMPLE.com", "delay_reason": "deferred transport"}]})";
const std::string hold_line =
    R"({"queue_name": "hold", "queue_id": "99DF1A720F2", "arrival_time": 1796418198, "message_size": 404, "forced_expire": false, "sender": "held@sender.test", "recipients": [{"address": "held@example.com", "delay_reason": "deferred transport"}]})";

bool only_example_com(std::string_view domain) { return domain == "example.com"; }
bool every_domain(std::string_view) { return true; }

HeldMessage parse_or_report(const std::string& line, const DomainFilter& filter) {
    HeldMessage message;
    std::string error;
    EXPECT_TRUE(parse_postqueue_json_line(line, filter, message, error)) << error;
    return message;
}

TEST(PostqueueJson, MessageFields) {
    const HeldMessage message = parse_or_report(two_domains_line, every_domain);
    EXPECT_EQ(message.queue_id, "5BA95A721D6");
    EXPECT_EQ(message.queue_name, "deferred");
    EXPECT_EQ(message.arrival_time, 1796418185);
    EXPECT_EQ(message.size, 365u);
    EXPECT_EQ(message.sender, "alice@sender.test");
    const std::vector<std::string> expected{"bob@example.com", "carol@example.net"};
    EXPECT_EQ(message.recipients, expected);
}

TEST(PostqueueJson, FilterKeepsDomainRecipients) {
    const HeldMessage message = parse_or_report(two_domains_line, only_example_com);
    EXPECT_EQ(message.recipients, std::vector<std::string>{"bob@example.com"});
}

TEST(PostqueueJson, FilterSeesLowerCaseDomain) {
    const HeldMessage message = parse_or_report(bounce_line, only_example_com);
    EXPECT_EQ(message.recipients, std::vector<std::string>{"dave@EXAMPLE.com"});
}

TEST(PostqueueJson, NoRecipientLeftAfterFilter) {
    const HeldMessage message = parse_or_report(two_domains_line, [](std::string_view) { return false; });
    EXPECT_EQ(message.queue_id, "5BA95A721D6");
    EXPECT_TRUE(message.recipients.empty());
}

TEST(PostqueueJson, EscapedQuotedLocalPart) {
    const HeldMessage message = parse_or_report(quoted_local_part_line, only_example_com);
    EXPECT_EQ(message.recipients, std::vector<std::string>{"\"odd \\\"name\\\\\"@example.com"});
}

TEST(PostqueueJson, Utf8Addresses) {
    const HeldMessage message = parse_or_report(utf8_line, only_example_com);
    EXPECT_EQ(message.sender, "j\xc3\xbcrgen@sender.test");
    EXPECT_EQ(message.recipients, std::vector<std::string>{"m\xc3\xa4x@example.com"});
}

TEST(PostqueueJson, NullSenderShownAsMailerDaemon) {
    // postqueue -j writes the null sender <> as MAILER-DAEMON.
    EXPECT_EQ(parse_or_report(bounce_line, every_domain).sender, "MAILER-DAEMON");
}

TEST(PostqueueJson, HoldQueueNamed) {
    EXPECT_EQ(parse_or_report(hold_line, every_domain).queue_name, "hold");
}

TEST(PostqueueJson, UnknownMembersIgnored) {
    // postqueue(1): "the list of members is expected to grow over time".
    const std::string line =
        R"({"queue_name": "active", "queue_id": "1A2B3C", "future": {"list": [1, 2, null]}, "recipients": [{"address": "a@example.com", "extra": true}]})";
    const HeldMessage message = parse_or_report(line, every_domain);
    EXPECT_EQ(message.queue_name, "active");
    EXPECT_EQ(message.recipients, std::vector<std::string>{"a@example.com"});
}

TEST(PostqueueJson, OptionalMembersMissing) {
    const HeldMessage message =
        parse_or_report(R"({"queue_name": "incoming", "queue_id": "1A2B3C", "recipients": []})", every_domain);
    EXPECT_EQ(message.arrival_time, 0);
    EXPECT_EQ(message.size, 0u);
    EXPECT_EQ(message.sender, "");
    EXPECT_TRUE(message.recipients.empty());
}

TEST(PostqueueJson, NegativeSizeIgnored) {
    const HeldMessage message = parse_or_report(
        R"({"queue_name": "deferred", "queue_id": "1A2B3C", "message_size": -5, "recipients": []})", every_domain);
    EXPECT_EQ(message.size, 0u);
}

TEST(PostqueueJson, RecipientWithoutAddressSkipped) {
    const HeldMessage message = parse_or_report(
        R"({"queue_name": "deferred", "queue_id": "1A2B3C", "recipients": [{"delay_reason": "x"}, {"address": 5}, "b@example.com", {"address": "c@example.com"}]})",
        every_domain);
    EXPECT_EQ(message.recipients, std::vector<std::string>{"c@example.com"});
}

TEST(PostqueueJson, ReusedMessageIsCleared) {
    HeldMessage message;
    std::string error;
    ASSERT_TRUE(parse_postqueue_json_line(two_domains_line, every_domain, message, error)) << error;
    ASSERT_TRUE(parse_postqueue_json_line(hold_line, every_domain, message, error)) << error;
    EXPECT_EQ(message.recipients, std::vector<std::string>{"held@example.com"});
}

struct BadLineCase {
    std::string line;
    std::string error;  // a part of the error message
};

TEST(PostqueueJson, BadLines) {
    const std::vector<BadLineCase> cases{
        {"", "unexpected end of text"},
        {"Mail queue is empty", "unexpected character"},
        {two_domains_line.substr(0, 60), "unterminated string"},
        {two_domains_line + "}", "unexpected data after the value"},
        {"[]", "queue entry without queue_id, queue_name or recipients"},
        {R"({"queue_name": "deferred", "recipients": []})", "queue entry without queue_id"},
        {R"({"queue_id": "1A2B3C", "recipients": []})", "queue entry without queue_id, queue_name"},
        {R"({"queue_name": "deferred", "queue_id": "1A2B3C"})", "or recipients"},
        {R"({"queue_name": "deferred", "queue_id": 42, "recipients": []})", "queue entry without queue_id"},
        {R"({"queue_name": "deferred", "queue_id": "1A2B3C", "recipients": {}})", "or recipients"},
    };
    for (const auto& test_case : cases) {
        HeldMessage message;
        std::string error;
        EXPECT_FALSE(parse_postqueue_json_line(test_case.line, every_domain, message, error))
            << "line \"" << test_case.line << "\" was accepted";
        EXPECT_NE(error.find(test_case.error), std::string::npos) << "line \"" << test_case.line << "\": " << error;
    }
}

}  // namespace
}  // namespace odmr
