#include "smtp/sasl.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "smtp/base64.hpp"
#include "smtp/text.hpp"

namespace odmr {
namespace {

using namespace std::string_literals;

// The example exchange of RFC 2195, section 2.
const std::string rfc2195_challenge = "<1896.697170952@postoffice.reston.mci.net>";
const std::string rfc2195_user = "tim";
const std::string rfc2195_secret = "tanstaaftanstaaf";
const std::string rfc2195_digest = "b913a602c7eda7a495b4e6e7334d3890";

struct PlainCase {
    std::string message;
    std::optional<std::string> login;  // nothing when the message is rejected
    std::string password = {};
};

TEST(DecodeSaslPlain, AuthorizationIdentityRules) {
    const std::vector<PlainCase> cases{
        {"\0alice\0secret"s, "alice", "secret"},
        {"alice\0alice\0secret"s, "alice", "secret"},
        {"\0alice\0pass word with spaces"s, "alice", "pass word with spaces"},
        {"admin\0alice\0secret"s, std::nullopt},
        {"Alice\0alice\0secret"s, std::nullopt},
        {"\0\0secret"s, std::nullopt},
        {"\0alice\0"s, std::nullopt},
        {"alice\0secret"s, std::nullopt},
        {"\0alice\0sec\0ret"s, std::nullopt},
        {"alice secret"s, std::nullopt},
        {""s, std::nullopt},
    };
    for (const auto& test_case : cases) {
        const auto login = decode_sasl_plain(test_case.message);
        const std::string printable_message = printable(test_case.message);
        if (!test_case.login) {
            EXPECT_FALSE(login.has_value()) << "message \"" << printable_message << "\" was accepted";
            continue;
        }
        ASSERT_TRUE(login.has_value()) << "message \"" << printable_message << "\" was rejected";
        EXPECT_EQ(login->login, *test_case.login) << "message \"" << printable_message << '"';
        EXPECT_EQ(login->password, test_case.password) << "message \"" << printable_message << '"';
    }
}

TEST(DecodeSaslPlain, ClientMessageRoundTrips) {
    const auto login = decode_sasl_plain(sasl_plain_client_message("alice", "s3cr\xc3\xa9t"));
    ASSERT_TRUE(login.has_value());
    EXPECT_EQ(login->login, "alice");
    EXPECT_EQ(login->password, "s3cr\xc3\xa9t");
}

struct CramResponseCase {
    std::string message;
    std::optional<std::string> login;  // nothing when the response is rejected
    std::string digest = {};
};

TEST(ParseCramMd5Response, Cases) {
    const std::vector<CramResponseCase> cases{
        {"tim b913a602c7eda7a495b4e6e7334d3890", "tim", "b913a602c7eda7a495b4e6e7334d3890"},
        {"tim B913A602C7EDA7A495B4E6E7334D3890", "tim", "b913a602c7eda7a495b4e6e7334d3890"},
        {"user name b913a602c7eda7a495b4e6e7334d3890", "user name", "b913a602c7eda7a495b4e6e7334d3890"},
        {"b913a602c7eda7a495b4e6e7334d3890", std::nullopt},
        {" b913a602c7eda7a495b4e6e7334d3890", std::nullopt},
        {"tim b913a602c7eda7a495b4e6e7334d389", std::nullopt},
        {"tim b913a602c7eda7a495b4e6e7334d38900", std::nullopt},
        {"tim b913a602c7eda7a495b4e6e7334d389g", std::nullopt},
        {"tim ", std::nullopt},
        {"", std::nullopt},
    };
    for (const auto& test_case : cases) {
        const auto response = parse_cram_md5_response(test_case.message);
        if (!test_case.login) {
            EXPECT_FALSE(response.has_value()) << "response \"" << test_case.message << "\" was accepted";
            continue;
        }
        ASSERT_TRUE(response.has_value()) << "response \"" << test_case.message << "\" was rejected";
        EXPECT_EQ(response->login, *test_case.login) << "response \"" << test_case.message << '"';
        EXPECT_EQ(response->digest, test_case.digest) << "response \"" << test_case.message << '"';
    }
}

TEST(CramMd5, Rfc2195Example) {
    EXPECT_EQ(cram_md5_client_answer(rfc2195_user, rfc2195_secret, rfc2195_challenge),
              rfc2195_user + " " + rfc2195_digest);
}

TEST(CramMd5, Rfc2195ExampleOnTheWire) {
    // The base64 lines of the same exchange, as RFC 2195 prints them.
    EXPECT_EQ(base64_encode(rfc2195_challenge), "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    EXPECT_EQ(base64_encode(cram_md5_client_answer(rfc2195_user, rfc2195_secret, rfc2195_challenge)),
              "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
}

TEST(CramMd5, ClientAnswerParsesBack) {
    const auto response = parse_cram_md5_response(cram_md5_client_answer("alice", "secret", "<1.2@provider.test>"));
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->login, "alice");
    EXPECT_EQ(response->digest.size(), 32u);
}

TEST(CramMd5, ChallengeForm) {
    const std::string challenge = make_cram_md5_challenge("provider.example");
    EXPECT_EQ(challenge.front(), '<');
    EXPECT_TRUE(challenge.ends_with("@provider.example>")) << challenge;
    EXPECT_NE(challenge.find('.'), std::string::npos) << challenge;
}

TEST(CramMd5, ChallengesDiffer) {
    EXPECT_NE(make_cram_md5_challenge("provider.example"), make_cram_md5_challenge("provider.example"));
}

}  // namespace
}  // namespace odmr
