#include "plugin/odmrd/etrn_request.hpp"

#include <gtest/gtest.h>

namespace odmr {
namespace {

TEST(EtrnArgument, KindsAndCase) {
    std::string error;
    const auto domain = parse_etrn_argument("Example.COM", error);
    ASSERT_TRUE(domain);
    EXPECT_EQ(domain->kind, EtrnRequest::Kind::domain);
    EXPECT_EQ(domain->node, "example.com");
    EXPECT_FALSE(domain->password);

    const auto subdomains = parse_etrn_argument("@example.com", error);
    ASSERT_TRUE(subdomains);
    EXPECT_EQ(subdomains->kind, EtrnRequest::Kind::domain_and_subdomains);
    EXPECT_EQ(describe_node(*subdomains), "@example.com");

    const auto queue = parse_etrn_argument("#outgoing", error);
    ASSERT_TRUE(queue);
    EXPECT_EQ(queue->kind, EtrnRequest::Kind::queue_name);

    const auto literal = parse_etrn_argument("[192.0.2.7]", error);
    ASSERT_TRUE(literal);
    EXPECT_EQ(literal->node, "[192.0.2.7]");
}

TEST(EtrnArgument, PasswordAfterDomain) {
    std::string error;
    const auto request = parse_etrn_argument("example.com s3cret!", error);
    ASSERT_TRUE(request);
    ASSERT_TRUE(request->password);
    EXPECT_EQ(*request->password, "s3cret!");
}

TEST(EtrnArgument, BadArgumentsRejected) {
    const std::vector<std::string> bad{
        "",
        "\"example.com\"",
        "$(id)",
        "example.com;reboot",
        std::string(4000, 'a'),
        std::string("exam\0ple.com", 12),
        "example.com pass word",
        "@",
        "#",
        "#name with space",
        "example..com",
        "-example.com",
        "[192.0.2.300]",
        "example.com p\xc3\xa4ss",
    };
    for (const auto& argument : bad) {
        std::string error;
        EXPECT_FALSE(parse_etrn_argument(argument, error)) << argument;
        EXPECT_EQ(error.substr(0, 6), "5.5.4 ") << argument;
        EXPECT_EQ(error.find(argument.empty() ? "\x01" : argument), std::string::npos) << "the reply repeats the input";
    }
}

}  // namespace
}  // namespace odmr
