#include "plugin/tables/queue_domain_table.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "smtp/table_file.hpp"
#include "tests/unit/private_directory.hpp"

namespace odmr {
namespace {

TEST(QueueDomainTable, GoodTable) {
    test::PrivateDirectory directory;
    const std::string path = directory.write("queue-domains",
                                             "# domain  options\n"
                                             "example.com etrn_address=[192.0.2.7]:25 max_messages=5000 max_bytes=500M\n"
                                             "EXAMPLE.NET\n"
                                             "example.org max_message_size=10m\n"
                                             "    etrn_address=mx.example.org:2525\n");
    const auto table = QueueDomainTable::load(path);
    EXPECT_EQ(table.domains().size(), 3u);

    const QueueDomain* com = table.find("Example.Com");
    ASSERT_NE(com, nullptr);
    EXPECT_EQ(com->domain, "example.com");
    EXPECT_EQ(com->file, path);
    EXPECT_EQ(com->line, 2);
    EXPECT_EQ(com->etrn_address, "[192.0.2.7]:25");
    EXPECT_EQ(com->max_messages, 5000u);
    EXPECT_EQ(com->max_bytes, 500u * 1024 * 1024);
    EXPECT_EQ(com->max_message_size, 0u);

    const QueueDomain* net = table.find("example.net");
    ASSERT_NE(net, nullptr);
    EXPECT_EQ(net->domain, "example.net");
    EXPECT_EQ(net->etrn_address, std::nullopt);
    EXPECT_EQ(net->max_messages, 0u);

    const QueueDomain* org = table.find("example.org");
    ASSERT_NE(org, nullptr);
    EXPECT_EQ(org->max_message_size, 10u * 1024 * 1024);
    EXPECT_EQ(org->etrn_address, "mx.example.org:2525");

    EXPECT_EQ(table.find("example.edu"), nullptr);
    EXPECT_EQ(table.find("mx.example.com"), nullptr);
}

TEST(QueueDomainTable, EmptyTable) {
    test::PrivateDirectory directory;
    const std::string path = directory.write("queue-domains", "# no domains yet\n\n");
    EXPECT_TRUE(QueueDomainTable::load(path).domains().empty());
}

TEST(QueueDomainTable, EtrnAddressForms) {
    test::PrivateDirectory directory;
    const std::string path = directory.write("queue-domains",
                                             "a.example etrn_address=[192.0.2.7]\n"
                                             "b.example etrn_address=[2001:db8::7]:25\n"
                                             "c.example etrn_address=[IPv6:2001:db8::7]\n"
                                             "d.example etrn_address=mx.example.com\n");
    const auto table = QueueDomainTable::load(path);
    EXPECT_EQ(table.domains().size(), 4u);
}

TEST(QueueDomainTable, EtrnOptions) {
    test::PrivateDirectory directory;
    const std::string path = directory.write("queue-domains",
                                             "example.com etrn_address=[192.0.2.7]:25 etrn_clients=192.0.2.7,198.51.100.0/24\n"
                                             "    etrn_require_password=yes etrn_tls=encrypt etrn_tls_verify=yes\n"
                                             "    etrn_tls_ca_file=/etc/odmr/customer-ca.pem\n"
                                             "example.net etrn_address=mx.example.net etrn_tls=none etrn_tls_verify=no\n");
    const auto table = QueueDomainTable::load(path);

    const QueueDomain* com = table.find("example.com");
    ASSERT_NE(com, nullptr);
    EXPECT_TRUE(com->etrn_clients.contains("198.51.100.9"));
    EXPECT_TRUE(com->etrn_clients.contains("192.0.2.7"));
    EXPECT_FALSE(com->etrn_clients.contains("192.0.2.8"));
    EXPECT_TRUE(com->etrn_require_password);
    EXPECT_EQ(com->etrn_tls, TlsPolicy::encrypt);
    EXPECT_TRUE(com->etrn_tls_verify);
    EXPECT_EQ(com->etrn_tls_ca_file, "/etc/odmr/customer-ca.pem");

    const QueueDomain* net = table.find("example.net");
    ASSERT_NE(net, nullptr);
    EXPECT_TRUE(net->etrn_clients.empty());
    EXPECT_FALSE(net->etrn_require_password);
    EXPECT_EQ(net->etrn_tls, TlsPolicy::none);
    EXPECT_FALSE(net->etrn_tls_verify);
}

TEST(QueueDomainTable, EtrnDefaults) {
    test::PrivateDirectory directory;
    const auto table = QueueDomainTable::load(directory.write("queue-domains", "example.com\n"));
    const QueueDomain* com = table.find("example.com");
    ASSERT_NE(com, nullptr);
    EXPECT_TRUE(com->etrn_clients.empty());
    EXPECT_FALSE(com->etrn_require_password);
    EXPECT_EQ(com->etrn_tls, TlsPolicy::may);
    EXPECT_FALSE(com->etrn_tls_verify);
    EXPECT_EQ(com->etrn_tls_ca_file, "");
}

struct BadTableCase {
    std::string text;
    int line;
    std::vector<std::string> fragments;  // the bad value and the fix, among others
};

TEST(QueueDomainTable, BadInputsNameFileLineValueAndFix) {
    const std::vector<BadTableCase> cases{
        {"exa_mple.com\n", 1, {"invalid domain name 'exa_mple.com'", "write a domain such as example.com"}},
        {"example.com\n# again\nExample.COM\n", 3, {"domain example.com is listed again (first at line 1)", "keep one entry"}},
        {"example.com max_messages=5K\n", 1, {"invalid value '5K' for max_messages", "use a whole number, or 0"}},
        {"example.com max_messages=-1\n", 1, {"invalid value '-1' for max_messages"}},
        {"example.com max_bytes=12Q\n", 1, {"invalid value '12Q' for max_bytes", "with an optional K, M or G suffix"}},
        {"example.com max_bytes=1.5M\n", 1, {"invalid value '1.5M' for max_bytes"}},
        {"example.com max_bytes=99999999999G\n", 1, {"invalid value '99999999999G' for max_bytes"}},
        {"example.com max_message_size=\n", 1, {"invalid value '' for max_message_size"}},
        {"example.com colour=blue\n", 1,
         {"unknown option 'colour'", "the options are etrn_address", "max_message_size"}},
        {"example.com max_messages\n", 1, {"invalid option 'max_messages'", "write options as name=value"}},
        {"example.com =5\n", 1, {"invalid option '=5'", "write options as name=value"}},
        {"example.com etrn_address=[192.0.2.7\n", 1, {"invalid etrn_address '[192.0.2.7'", "write [192.0.2.7]:25"}},
        {"example.com etrn_address=mx.example.com:99999\n", 1, {"invalid etrn_address 'mx.example.com:99999'"}},
        {"example.com etrn_address=25\n", 1, {"invalid etrn_address '25'", "write [192.0.2.7]:25"}},
        {"example.com etrn_address=[]:25\n", 1, {"invalid etrn_address '[]:25'"}},
        {"example.com etrn_address=2001:db8::7\n", 1, {"invalid etrn_address '2001:db8::7'"}},
        {"example.com etrn_address=[192.0.2.300]:25\n", 1, {"invalid etrn_address '[192.0.2.300]:25'"}},
        {"example.com etrn_address=[mx.example.com]:25\n", 1, {"invalid etrn_address '[mx.example.com]:25'"}},
        {"example.com etrn_address=mx..example.com:25\n", 1, {"invalid etrn_address 'mx..example.com:25'"}},
        {"example.com etrn_address=mx_1.example.com\n", 1, {"invalid etrn_address 'mx_1.example.com'"}},
        {"example.com etrn_clients=192.0.2.300\n", 1, {"invalid etrn_clients entry '192.0.2.300'", "such as 192.0.2.7"}},
        {"example.com etrn_clients=192.0.2.0/33\n", 1, {"invalid etrn_clients entry '192.0.2.0/33'"}},
        {"example.com etrn_clients=\n", 1, {"invalid etrn_clients entry ''"}},
        {"example.com etrn_require_password=maybe\n", 1,
         {"invalid value 'maybe' for etrn_require_password", "use yes or no"}},
        {"example.com etrn_tls_verify=on\n", 1, {"invalid value 'on' for etrn_tls_verify", "use yes or no"}},
        {"example.com etrn_tls=always\n", 1, {"invalid value 'always' for etrn_tls", "use none, may or encrypt"}},
        {"example.com etrn_tls_ca_file=customer-ca.pem\n", 1,
         {"invalid etrn_tls_ca_file 'customer-ca.pem'", "give the absolute path of a PEM file"}},
    };

    test::PrivateDirectory directory;
    for (const auto& test_case : cases) {
        const std::string path = directory.write("queue-domains", test_case.text);
        try {
            QueueDomainTable::load(path);
            ADD_FAILURE() << "table \"" << test_case.text << "\" was accepted";
        } catch (const ConfigError& error) {
            const std::string message = error.what();
            const std::string place = path + ", line " + std::to_string(test_case.line) + ": ";
            EXPECT_NE(message.find(place), std::string::npos) << message;
            for (const auto& fragment : test_case.fragments) {
                EXPECT_NE(message.find(fragment), std::string::npos) << message;
            }
        }
    }
}

TEST(QueueDomainTable, MissingFile) {
    test::PrivateDirectory directory;
    const std::string path = directory.path() + "/queue-domains";
    try {
        QueueDomainTable::load(path);
        FAIL() << "a missing table was loaded";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find(path + ": cannot open the file"), std::string::npos) << error.what();
    }
}

struct SizeCase {
    std::string text;
    std::optional<std::uint64_t> expected;
};

TEST(ParseSize, Cases) {
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    const std::vector<SizeCase> cases{
        {"0", 0},
        {"500", 500},
        {"64K", 64 * 1024},
        {"64k", 64 * 1024},
        {"20M", 20 * 1024 * 1024},
        {"2G", 2ULL * 1024 * 1024 * 1024},
        {"16777215G", 16777215ULL * 1024 * 1024 * 1024},
        {"18446744073709551615", max},
        {"", std::nullopt},
        {"K", std::nullopt},
        {"1.5M", std::nullopt},
        {"-1", std::nullopt},
        {"+1", std::nullopt},
        {" 1", std::nullopt},
        {"1 ", std::nullopt},
        {"1KB", std::nullopt},
        {"1T", std::nullopt},
        {"18446744073709551616", std::nullopt},
        {"17179869184G", std::nullopt},
    };
    for (const auto& test_case : cases) {
        EXPECT_EQ(parse_size(test_case.text), test_case.expected) << "size \"" << test_case.text << '"';
    }
}

TEST(ParseCount, Cases) {
    EXPECT_EQ(parse_count("0"), 0u);
    EXPECT_EQ(parse_count("5000"), 5000u);
    EXPECT_EQ(parse_count("5K"), std::nullopt);
    EXPECT_EQ(parse_count(""), std::nullopt);
    EXPECT_EQ(parse_count("-5"), std::nullopt);
    EXPECT_EQ(parse_count("99999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace odmr
