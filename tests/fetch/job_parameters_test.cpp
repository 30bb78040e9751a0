// The parameter strings of download jobs: good strings and their parts,
// bad strings and their exact messages.
#include <gtest/gtest.h>

#include "shim/job_parameters.hpp"

namespace odmr {
namespace {

TEST(EtrnParameters, DomainAndPassword) {
    const auto commands = parse_etrn_parameters("example.com secret;example.org");
    ASSERT_EQ(commands.size(), 2u);
    EXPECT_EQ(commands[0].node, "example.com");
    EXPECT_EQ(commands[0].password, "secret");
    EXPECT_EQ(commands[1].node, "example.org");
    EXPECT_EQ(commands[1].password, "");
}

TEST(EtrnParameters, SubdomainsQueuesAndSpacing) {
    const auto commands = parse_etrn_parameters("  @Example.COM ;  #outbound-1 ; example.net.  pass:word ");
    ASSERT_EQ(commands.size(), 3u);
    EXPECT_EQ(commands[0].node, "@example.com");
    EXPECT_EQ(commands[1].node, "#outbound-1");
    EXPECT_EQ(commands[2].node, "example.net");
    EXPECT_EQ(commands[2].password, "pass:word");
}

TEST(EtrnParameters, CommandLinesMaskThePassword) {
    const auto commands = parse_etrn_parameters("example.com secret;example.org");
    EXPECT_EQ(etrn_command_line(commands[0]), "ETRN example.com secret");
    EXPECT_EQ(masked_etrn_command_line(commands[0]), "ETRN example.com ********");
    EXPECT_EQ(etrn_command_line(commands[1]), "ETRN example.org");
    EXPECT_EQ(masked_etrn_parameters(commands), "example.com ********;example.org");
}

TEST(AtrnParameters, OneDomain) {
    const auto credentials = parse_atrn_parameters("example.com;login:password");
    ASSERT_EQ(credentials.domains.size(), 1u);
    EXPECT_EQ(credentials.domains[0], "example.com");
    EXPECT_EQ(credentials.login, "login");
    EXPECT_EQ(credentials.password, "password");
}

TEST(AtrnParameters, DomainListKeepsOrder) {
    const auto credentials = parse_atrn_parameters("b.example, A.Example ;office:p@ss!word");
    ASSERT_EQ(credentials.domains.size(), 2u);
    EXPECT_EQ(credentials.domains[0], "b.example");
    EXPECT_EQ(credentials.domains[1], "a.example");
    EXPECT_EQ(credentials.login, "office");
    EXPECT_EQ(credentials.password, "p@ss!word");
    EXPECT_EQ(masked_atrn_parameters(credentials), "b.example,a.example;office:********");
}

TEST(AtrnParameters, StarMeansPasswordsFile) {
    const auto credentials = parse_atrn_parameters("example.com;office:*");
    EXPECT_EQ(credentials.password, password_from_file);
}

struct BadString {
    std::string text;
    std::string message;
};

class BadAtrnParameters : public ::testing::TestWithParam<BadString> {};

TEST_P(BadAtrnParameters, ExactMessage) {
    try {
        parse_atrn_parameters(GetParam().text);
        FAIL() << "accepted '" << GetParam().text << "'";
    } catch (const ParameterError& error) {
        EXPECT_EQ(std::string(error.what()), GetParam().message);
        EXPECT_EQ(std::string(error.what()).find("s3cret"), std::string::npos) << "the password reached the message";
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadAtrnParameters,
    ::testing::Values(
        BadString{"", "the ATRN parameter string is empty; write domains;login:password such as example.com;login:password"},
        BadString{"example.com login:s3cret",
                  "missing ';' between the domains and login:password; write domains;login:password such as "
                  "example.com;login:password"},
        BadString{"example.com;logins3cret",
                  "missing ':' between login and password after ';'; write login:password, or login:* to take the "
                  "password from the passwords file"},
        BadString{";login:s3cret", "no domain before ';'; write at least one domain, such as example.com;login:password"},
        BadString{"a.example,,b.example;login:s3cret", "empty domain in the list 'a.example,,b.example'; remove the extra ','"},
        BadString{"a.example,;login:s3cret", "empty domain in the list 'a.example,'; remove the extra ','"},
        BadString{"exa_mple.com;login:s3cret", "'exa_mple.com' is not a domain name; write domains such as example.com,example.net"},
        BadString{"example.com;login:s3cret;",
                  "the ATRN parameter string ends with ';'; remove it, because nothing follows login:password"},
        BadString{"example.com;", "nothing after ';'; write login:password after the domains, such as example.com;login:password"},
        BadString{"a.example;b.example;login:s3cret",
                  "the ATRN parameter string has more than one ';'; list every domain before the first ';', separated "
                  "by ',', and write * for a password that contains ';'"},
        BadString{"example.com;:s3cret", "empty login before ':'; write login:password"},
        BadString{"example.com;login:", "empty password after ':'; write the password, or * to take it from the passwords file"},
        BadString{"example.com;login:s3cret with spaces",
                  "the password contains a space; write * as the password and put it in the passwords file"},
        BadString{"example.com;login:s3cret:more",
                  "the password contains ':'; write * as the password and put it in the passwords file"},
        BadString{"example.com;log in:s3cret", "the login contains a space; write login:password without spaces"}));

class BadEtrnParameters : public ::testing::TestWithParam<BadString> {};

TEST_P(BadEtrnParameters, ExactMessage) {
    try {
        parse_etrn_parameters(GetParam().text);
        FAIL() << "accepted '" << GetParam().text << "'";
    } catch (const ParameterError& error) {
        EXPECT_EQ(std::string(error.what()), GetParam().message);
        EXPECT_EQ(std::string(error.what()).find("s3cret"), std::string::npos) << "the password reached the message";
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadEtrnParameters,
    ::testing::Values(
        BadString{"", "the ETRN parameter string is empty; write a domain such as example.com, optionally followed by "
                      "a space and its password"},
        BadString{"example.com s3cret;",
                  "the ETRN parameter string ends with ';'; remove the last ';' or write another domain after it"},
        BadString{"example.com;;example.org", "ETRN command 2 is empty; remove the extra ';'"},
        BadString{";example.org", "ETRN command 1 is empty; remove the extra ';'"},
        BadString{"example.com s3cret with spaces",
                  "the ETRN command 'example.com ******** ******** ********' has 4 words, but an ETRN command is a "
                  "domain and an optional password; remove the space from the domain, or, for a password with spaces, "
                  "write * as the password and put it in the passwords file"},
        BadString{"example.org;exa mple.com s3cret extra",
                  "the ETRN command 'exa ******** ******** ********' has 4 words, but an ETRN command is a domain and "
                  "an optional password; remove the space from the domain, or, for a password with spaces, write * as "
                  "the password and put it in the passwords file"},
        BadString{"bad_domain s3cret",
                  "'bad_domain' is not a domain name; write a domain such as example.com, @example.com for its "
                  "subdomains too, or #queue"},
        BadString{"#bad/queue", "'#bad/queue' is not a domain name; write a domain such as example.com, @example.com "
                                "for its subdomains too, or #queue"}));

}  // namespace
}  // namespace odmr
