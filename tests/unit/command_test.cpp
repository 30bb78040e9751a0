#include "smtp/command.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "smtp/text.hpp"

namespace odmr {
namespace {

struct CommandCase {
    std::string line;
    std::string verb;
    std::string argument;
};

TEST(ParseCommand, SplitsVerbAndArgument) {
    const std::vector<CommandCase> cases{
        {"EHLO client.example", "EHLO", "client.example"},
        {"ehlo client.example", "EHLO", "client.example"},
        {"QUIT", "QUIT", ""},
        {"NOOP ", "NOOP", ""},
        {"MAIL FROM:<a@example.com>  ", "MAIL", "FROM:<a@example.com>"},
        {"RCPT   TO:<b@example.com>", "RCPT", "TO:<b@example.com>"},
        {"ATRN example.com,example.net", "ATRN", "example.com,example.net"},
        {"AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH", "PLAIN AGFsaWNlAHNlY3JldA=="},
        {"", "", ""},
    };
    for (const auto& test_case : cases) {
        const Command command = parse_command(test_case.line);
        EXPECT_EQ(command.verb, test_case.verb) << "line \"" << test_case.line << '"';
        EXPECT_EQ(command.argument, test_case.argument) << "line \"" << test_case.line << '"';
    }
}

using Parameters = std::vector<std::pair<std::string, std::string>>;

struct MailPathCase {
    std::string argument;
    std::string keyword;
    std::optional<std::string> address;  // nothing when the argument is invalid
    Parameters parameters = {};
    std::string parameter_text = {};
};

TEST(ParseMailPath, ValidAndInvalidPaths) {
    const std::string long_address = std::string(600, 'a') + "@example.com";
    const std::vector<MailPathCase> cases{
        {"FROM:<alice@example.com>", "FROM:", "alice@example.com"},
        {"from:<alice@example.com>", "FROM:", "alice@example.com"},
        {"FROM:<>", "FROM:", ""},
        {"FROM: <alice@example.com>", "FROM:", "alice@example.com"},
        {"TO:<bob@example.com>", "TO:", "bob@example.com"},
        {"TO:<@relay1.example,@relay2.example:bob@example.com>", "TO:", "bob@example.com"},
        {"TO:<\"a>b\"@example.com>", "TO:", "\"a>b\"@example.com"},
        {"TO:<\"a\\\">b\"@example.com>", "TO:", "\"a\\\">b\"@example.com"},
        {"FROM:<alice@example.com> SIZE=1000 BODY=8BITMIME", "FROM:", "alice@example.com",
         {{"SIZE", "1000"}, {"BODY", "8BITMIME"}}, "SIZE=1000 BODY=8BITMIME"},
        {"FROM:<alice@example.com> body=8bitmime smtputf8", "FROM:", "alice@example.com",
         {{"BODY", "8bitmime"}, {"SMTPUTF8", ""}}, "body=8bitmime smtputf8"},
        {"TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.com", "TO:", "bob@example.com",
         {{"NOTIFY", "SUCCESS,FAILURE"}, {"ORCPT", "rfc822;bob@example.com"}},
         "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.com"},
        {"FROM:<alice@example.com>   SIZE=5  ", "FROM:", "alice@example.com", {{"SIZE", "5"}}, "SIZE=5"},
        {"FROM:<alice@example.com> ", "FROM:", "alice@example.com"},

        {"FROM:alice@example.com", "FROM:", std::nullopt},
        {"FROM:<alice@example.com", "FROM:", std::nullopt},
        {"FROM:alice@example.com>", "FROM:", std::nullopt},
        {"FROM:", "FROM:", std::nullopt},
        {"FROM <alice@example.com>", "FROM:", std::nullopt},
        {"TO:<bob@example.com>", "FROM:", std::nullopt},
        {"FROM:<@relay1.example>", "FROM:", std::nullopt},
        {"TO:<\"a>b@example.com>", "TO:", std::nullopt},
        {"FROM:<alice@example.com>x", "FROM:", std::nullopt},
        {"FROM:<alice@example.com><other@example.com>", "FROM:", std::nullopt},
        {"FROM:<alice@example.com> =1000", "FROM:", std::nullopt},
        {"FROM:<alice\x01@example.com>", "FROM:", std::nullopt},
        {"FROM:<alice\x7f@example.com>", "FROM:", std::nullopt},
        {"FROM:<alice\r@example.com>", "FROM:", std::nullopt},
        {"FROM:<alice@example.com> SIZE=1\x01", "FROM:", std::nullopt},
        {"FROM:<" + long_address + ">", "FROM:", std::nullopt},
    };
    for (const auto& test_case : cases) {
        const auto path = parse_mail_path(test_case.argument, test_case.keyword);
        const std::string printable_argument = printable(test_case.argument);
        if (!test_case.address) {
            EXPECT_FALSE(path.has_value()) << "argument \"" << printable_argument << "\" was accepted";
            continue;
        }

        ASSERT_TRUE(path.has_value()) << "argument \"" << printable_argument << "\" was rejected";
        EXPECT_EQ(path->address, *test_case.address) << "argument \"" << printable_argument << '"';
        EXPECT_EQ(path->parameters, test_case.parameters) << "argument \"" << printable_argument << '"';
        EXPECT_EQ(path->parameter_text, test_case.parameter_text) << "argument \"" << printable_argument << '"';
    }
}

TEST(MailPath, ParameterLookupIgnoresCase) {
    const auto path = parse_mail_path("FROM:<a@example.com> SIZE=42 SMTPUTF8", "FROM:");
    ASSERT_TRUE(path.has_value());
    EXPECT_EQ(path->parameter("size"), "42");
    EXPECT_EQ(path->parameter("SMTPUTF8"), "");
    EXPECT_EQ(path->parameter("BODY"), std::nullopt);
}

}  // namespace
}  // namespace odmr
