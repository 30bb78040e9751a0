#include "smtp/reply.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "smtp/io_error.hpp"
#include "smtp/text.hpp"
#include "tests/unit/scripted_stream.hpp"

namespace odmr {
namespace {

using test::ScriptedStream;

Reply read_one_reply(const std::string& input, std::size_t max_lines = 100, std::size_t max_line_length = 512) {
    ScriptedStream stream(input, 3);
    LineReader reader(stream, max_line_length);
    return read_reply(reader, Deadline::never(), max_lines);
}

// The message of the IoError that reading the input throws, or nothing.
std::optional<std::string> reply_error(const std::string& input, std::size_t max_lines = 100,
                                       std::size_t max_line_length = 512) {
    try {
        read_one_reply(input, max_lines, max_line_length);
    } catch (const IoError& error) {
        if (error.kind() != IoError::Kind::protocol) return std::string("wrong kind: ") + error.what();
        return std::string(error.what());
    }
    return std::nullopt;
}

struct ReplyLineCase {
    std::string line;
    bool valid;
    int code = 0;
    bool last = false;
    std::string text = {};
};

TEST(ReplyLine, ParsesEachForm) {
    const std::vector<ReplyLineCase> cases{
        {"250 Ok", true, 250, true, "Ok"},
        {"250-mx.example.com", true, 250, false, "mx.example.com"},
        {"250", true, 250, true, ""},
        {"250 ", true, 250, true, ""},
        {"250-", true, 250, false, ""},
        {"354 End data with <CR><LF>.<CR><LF>", true, 354, true, "End data with <CR><LF>.<CR><LF>"},
        {"421 4.3.2 Service not available", true, 421, true, "4.3.2 Service not available"},
        {"554 no", true, 554, true, "no"},
        {"", false},
        {"25", false},
        {"2500 Ok", false},
        {"250x", false},
        {"250\tOk", false},
        {"25a Ok", false},
        {"abc Ok", false},
        {"150 too low", false},
        {"650 too high", false},
        {" 250 Ok", false},
    };
    for (const auto& test_case : cases) {
        int code = 0;
        bool last = false;
        std::string_view text;
        const bool valid = parse_reply_line(test_case.line, code, last, text);
        EXPECT_EQ(valid, test_case.valid) << "line \"" << test_case.line << '"';
        if (!valid || !test_case.valid) continue;
        EXPECT_EQ(code, test_case.code) << "line \"" << test_case.line << '"';
        EXPECT_EQ(last, test_case.last) << "line \"" << test_case.line << '"';
        EXPECT_EQ(text, test_case.text) << "line \"" << test_case.line << '"';
    }
}

TEST(ReadReply, SingleLine) {
    const Reply reply = read_one_reply("250 2.0.0 Ok: queued as 4F2A1C\r\n");
    EXPECT_EQ(reply.code, 250);
    EXPECT_EQ(reply.lines, std::vector<std::string>{"2.0.0 Ok: queued as 4F2A1C"});
}

TEST(ReadReply, MultiLine) {
    const Reply reply = read_one_reply("250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n");
    EXPECT_EQ(reply.code, 250);
    const std::vector<std::string> expected{"mx.example.com", "PIPELINING", "SIZE 10240000"};
    EXPECT_EQ(reply.lines, expected);
}

TEST(ReadReply, CodeWithoutText) {
    const Reply reply = read_one_reply("250\r\n");
    EXPECT_EQ(reply.code, 250);
    EXPECT_EQ(reply.lines, std::vector<std::string>{""});
}

TEST(ReadReply, BareLfLineEnds) {
    const Reply reply = read_one_reply("220-first\n220 second\n");
    EXPECT_EQ(reply.code, 220);
    EXPECT_EQ(reply.lines.size(), 2u);
}

TEST(ReadReply, PipelinedRepliesStaySeparate) {
    ScriptedStream stream("250 2.1.0 Ok\r\n550 5.1.1 unknown user\r\n354 go ahead\r\n", 1000);
    LineReader reader(stream, 512);
    EXPECT_EQ(read_reply(reader, Deadline::never()).code, 250);
    EXPECT_EQ(read_reply(reader, Deadline::never()).code, 550);
    EXPECT_EQ(read_reply(reader, Deadline::never()).code, 354);
}

TEST(ReadReply, MalformedLinesAreProtocolErrors) {
    for (const std::string input : {"hello\r\n", "25\r\n", "250x\r\n", "250-ok\r\nnot a reply\r\n", "\r\n", "099 x\r\n"}) {
        const auto error = reply_error(input);
        ASSERT_TRUE(error.has_value()) << "input " << printable(input);
        EXPECT_NE(error->find("malformed reply"), std::string::npos) << *error;
    }
}

TEST(ReadReply, MalformedLineIsEscapedInError) {
    const auto error = reply_error("bad\x01line\r\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("bad\\x01line"), std::string::npos) << *error;
}

TEST(ReadReply, CodeChangeBetweenLines) {
    const auto error = reply_error("250-first\r\n251 second\r\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("reply code changed"), std::string::npos) << *error;
}

TEST(ReadReply, LinesUpToLimitAreRead) {
    const Reply reply = read_one_reply("250-a\r\n250-b\r\n250 c\r\n", 3);
    EXPECT_EQ(reply.lines.size(), 3u);
}

TEST(ReadReply, TooManyLines) {
    const auto error = reply_error("250-a\r\n250-b\r\n250-c\r\n250 d\r\n", 3);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("too many lines"), std::string::npos) << *error;
}

TEST(ReadReply, EndlessReplyStopsAtDefaultLimit) {
    std::string input;
    for (int i = 0; i < 1000; ++i) input += "250-more\r\n";
    const auto error = reply_error(input);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("too many lines"), std::string::npos) << *error;
}

TEST(ReadReply, TooLongLine) {
    const auto error = reply_error("250 " + std::string(100, 'x') + "\r\n", 100, 50);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("too long"), std::string::npos) << *error;
}

TEST(ReadReply, EndOfFileInsideReply) {
    try {
        read_one_reply("250-first\r\n");
        FAIL() << "a reply without its last line was returned";
    } catch (const IoError& error) {
        EXPECT_EQ(error.kind(), IoError::Kind::end_of_file);
    }
}

struct EnhancedStatusCase {
    std::vector<std::string> lines;
    std::string expected;
};

TEST(Reply, EnhancedStatus) {
    const std::vector<EnhancedStatusCase> cases{
        {{"2.0.0 Ok"}, "2.0.0"},
        {{"5.7.1 Relay access denied"}, "5.7.1"},
        {{"4.4.2 Timeout"}, "4.4.2"},
        {{"2.1.5"}, "2.1.5"},
        {{"5.100.999 widest allowed"}, "5.100.999"},
        {{"2.0.0 first", "2.0.0 second"}, "2.0.0"},
        {{"Ok"}, ""},
        {{"2.0 Ok"}, ""},
        {{"2.0.0.0 Ok"}, ""},
        {{"3.0.0 not a class"}, ""},
        {{"2.1000.0 subject too long"}, ""},
        {{"2..0 empty subject"}, ""},
        {{"2.a.0 letter"}, ""},
        {{"22.0.0 class too long"}, ""},
        {{""}, ""},
        {{}, ""},
    };
    for (const auto& test_case : cases) {
        Reply reply;
        reply.code = 250;
        reply.lines = test_case.lines;
        EXPECT_EQ(reply.enhanced_status(), test_case.expected)
            << "first line \"" << (test_case.lines.empty() ? "" : test_case.lines.front()) << '"';
    }
}

TEST(Reply, SummaryJoinsLines) {
    const Reply reply = make_reply(250, "mx.example.com\nPIPELINING\nSIZE 100");
    EXPECT_EQ(reply.summary(), "250 mx.example.com PIPELINING SIZE 100");
}

TEST(Reply, SummaryEscapesClientText) {
    Reply reply;
    reply.code = 550;
    reply.lines = {"bad\tuser\\name", "\x1b[31m"};
    EXPECT_EQ(reply.summary(), "550 bad\\x09user\\x5cname \\x1b[31m");
}

TEST(Reply, SummaryIsCut) {
    const Reply reply = make_reply(250, std::string(300, 'a'));
    EXPECT_EQ(reply.summary(20), "250 " + std::string(16, 'a') + "...");
}

TEST(Reply, WireSingleLine) {
    EXPECT_EQ(make_reply(250, "2.0.0 Ok").wire(), "250 2.0.0 Ok\r\n");
}

TEST(Reply, WireMultiLine) {
    EXPECT_EQ(make_reply(250, "mx.example.com\nPIPELINING\n8BITMIME").wire(),
              "250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
}

TEST(Reply, WireWithoutLines) {
    Reply reply;
    reply.code = 354;
    EXPECT_EQ(reply.wire(), "354\r\n");
}

TEST(Reply, WireReadsBackUnchanged) {
    const Reply original = make_reply(451, "4.3.0 first\nsecond\nthird");
    const Reply read_back = read_one_reply(original.wire());
    EXPECT_EQ(read_back.code, original.code);
    EXPECT_EQ(read_back.lines, original.lines);
}

TEST(Reply, CodeClasses) {
    EXPECT_TRUE(make_reply(250, "").positive_completion());
    EXPECT_TRUE(make_reply(354, "").positive_intermediate());
    EXPECT_TRUE(make_reply(450, "").transient_failure());
    EXPECT_TRUE(make_reply(550, "").permanent_failure());
    EXPECT_FALSE(make_reply(450, "").positive_completion());
    EXPECT_FALSE(make_reply(250, "").permanent_failure());
}

}  // namespace
}  // namespace odmr
