#include "smtp/capabilities.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace odmr {
namespace {

Capabilities from_lines(std::vector<std::string> lines) {
    Reply reply;
    reply.code = 250;
    reply.lines = std::move(lines);
    return Capabilities::from_ehlo_reply(reply);
}

TEST(Capabilities, ReadsEhloKeywords) {
    const auto capabilities = from_lines(
        {"mx.example.com greets client.example", "PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES"});
    EXPECT_TRUE(capabilities.has("PIPELINING"));
    EXPECT_TRUE(capabilities.has("8BITMIME"));
    EXPECT_TRUE(capabilities.has("ENHANCEDSTATUSCODES"));
    EXPECT_FALSE(capabilities.has("SMTPUTF8"));
}

TEST(Capabilities, FirstLineIsServerName) {
    const auto capabilities = from_lines({"PIPELINING"});
    EXPECT_FALSE(capabilities.has("PIPELINING"));
}

TEST(Capabilities, KeywordsIgnoreCase) {
    const auto capabilities = from_lines({"mx.example.com", "pipelining", "Dsn"});
    EXPECT_TRUE(capabilities.has("PIPELINING"));
    EXPECT_TRUE(capabilities.has("dsn"));
}

TEST(Capabilities, ParametersOfKeyword) {
    const auto capabilities = from_lines({"mx.example.com", "SIZE   52428800  ", "XFORWARD NAME ADDR PROTO HELO"});
    EXPECT_EQ(capabilities.parameters("SIZE"), "52428800");
    EXPECT_EQ(capabilities.parameters("xforward"), "NAME ADDR PROTO HELO");
    EXPECT_EQ(capabilities.parameters("ETRN"), "");
}

TEST(Capabilities, BlankLinesAreSkipped) {
    const auto capabilities = from_lines({"mx.example.com", "", "   ", "DSN"});
    EXPECT_TRUE(capabilities.has("DSN"));
    EXPECT_FALSE(capabilities.has(""));
}

TEST(Capabilities, AuthMechanisms) {
    const auto capabilities = from_lines({"mx.example.com", "AUTH PLAIN login CRAM-MD5"});
    const std::vector<std::string> expected{"PLAIN", "LOGIN", "CRAM-MD5"};
    EXPECT_EQ(capabilities.auth_mechanisms(), expected);
}

TEST(Capabilities, AuthEqualsForm) {
    // Postfix with broken_sasl_auth_clients = yes, among others, announces
    // the mechanisms a second time as "AUTH=PLAIN LOGIN" for old clients.
    const auto capabilities = from_lines({"mx.example.com", "AUTH=PLAIN LOGIN"});
    const std::vector<std::string> expected{"PLAIN", "LOGIN"};
    EXPECT_EQ(capabilities.auth_mechanisms(), expected);
    EXPECT_TRUE(capabilities.has("AUTH"));
}

TEST(Capabilities, AuthEqualsFormIgnoresCase) {
    const auto capabilities = from_lines({"mx.example.com", "auth=cram-md5"});
    EXPECT_EQ(capabilities.auth_mechanisms(), std::vector<std::string>{"CRAM-MD5"});
}

TEST(Capabilities, AuthBothFormsKeepEveryMechanism) {
    const auto capabilities = from_lines({"mx.example.com", "AUTH PLAIN LOGIN", "AUTH=CRAM-MD5"});
    const auto mechanisms = capabilities.auth_mechanisms();
    EXPECT_NE(std::find(mechanisms.begin(), mechanisms.end(), "PLAIN"), mechanisms.end());
    EXPECT_NE(std::find(mechanisms.begin(), mechanisms.end(), "LOGIN"), mechanisms.end());
    EXPECT_NE(std::find(mechanisms.begin(), mechanisms.end(), "CRAM-MD5"), mechanisms.end());
}

TEST(Capabilities, NoAuthNoMechanisms) {
    EXPECT_TRUE(from_lines({"mx.example.com", "PIPELINING"}).auth_mechanisms().empty());
}

TEST(Capabilities, SizeWithValue) {
    EXPECT_EQ(from_lines({"mx.example.com", "SIZE 10240000"}).size_limit(), 10240000u);
}

TEST(Capabilities, SizeWithoutValue) {
    // RFC 1870: SIZE without a number means the server states no limit.
    EXPECT_EQ(from_lines({"mx.example.com", "SIZE"}).size_limit(), 0u);
}

TEST(Capabilities, SizeZero) {
    EXPECT_EQ(from_lines({"mx.example.com", "SIZE 0"}).size_limit(), 0u);
}

TEST(Capabilities, SizeNotOffered) {
    EXPECT_EQ(from_lines({"mx.example.com", "PIPELINING"}).size_limit(), std::nullopt);
}

TEST(Capabilities, SizeNotANumberStatesNoLimit) {
    EXPECT_EQ(from_lines({"mx.example.com", "SIZE unlimited"}).size_limit(), 0u);
}

TEST(Capabilities, SizeLargerThanFourGigabytes) {
    EXPECT_EQ(from_lines({"mx.example.com", "SIZE 10000000000"}).size_limit(), 10000000000u);
}

TEST(Capabilities, AddMergesParameters) {
    Capabilities capabilities;
    capabilities.add("auth", "PLAIN");
    capabilities.add("AUTH", "LOGIN");
    capabilities.add("AUTH");
    EXPECT_EQ(capabilities.parameters("AUTH"), "PLAIN LOGIN");
}

}  // namespace
}  // namespace odmr
