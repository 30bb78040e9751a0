#include "smtp/domain.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "smtp/text.hpp"

namespace odmr {
namespace {

// A name of exactly `length` characters: labels of 63 letters joined by
// dots, the last one shorter.
std::string name_of_length(std::size_t length) {
    std::string name;
    while (name.size() < length) {
        if (!name.empty()) name += '.';
        name += std::string(std::min<std::size_t>(63, length - name.size()), 'a');
    }
    return name;
}

struct NormalizeCase {
    std::string text;
    std::optional<std::string> expected;
};

TEST(NormalizeDomain, GoodNames) {
    const std::vector<NormalizeCase> cases{
        {"example.com", "example.com"},
        {"Example.COM", "example.com"},
        {"example.com.", "example.com"},
        {"localhost", "localhost"},
        {"a-b.example", "a-b.example"},
        {"123.example", "123.example"},
        {"xn--bcher-kva.example", "xn--bcher-kva.example"},
        {std::string(63, 'x') + ".example", std::string(63, 'x') + ".example"},
        {name_of_length(253), name_of_length(253)},
        {name_of_length(253) + ".", name_of_length(253)},
    };
    for (const auto& test_case : cases) {
        EXPECT_EQ(normalize_domain(test_case.text), test_case.expected) << "name \"" << test_case.text << '"';
    }
}

TEST(NormalizeDomain, BadNames) {
    const std::vector<std::string> cases{
        "",
        ".",
        "example..com",
        ".example.com",
        "example.com..",
        "-a.example",
        "a-.example",
        "exa_mple.com",
        "exa mple.com",
        "alice@example.com",
        "example.com/..",
        "b\xc3\xbc" "cher.example",
        "[192.0.2.7]",
        "example.com\n",
        std::string("exa\0mple.com", 12),
        std::string(64, 'x') + ".example",
        name_of_length(254),
    };
    for (const auto& text : cases) {
        EXPECT_EQ(normalize_domain(text), std::nullopt) << "name \"" << printable(text) << '"';
    }
}

struct LiteralCase {
    std::string text;
    bool expected;
};

TEST(IsAddressLiteral, Cases) {
    const std::vector<LiteralCase> cases{
        {"[192.0.2.7]", true},
        {"[IPv6:2001:db8::7]", true},
        {"[ipv6:2001:db8::7]", true},
        {"[IPv6:::1]", true},
        {"[2001:db8::7]", false},
        {"[IPv6:192.0.2.7]", false},
        {"[192.0.2.256]", false},
        {"[192.0.2]", false},
        {"192.0.2.7", false},
        {"[192.0.2.7", false},
        {"192.0.2.7]", false},
        {"[]", false},
        {"[example.com]", false},
        {"[ 192.0.2.7]", false},
    };
    for (const auto& test_case : cases) {
        EXPECT_EQ(is_address_literal(test_case.text), test_case.expected) << "text \"" << test_case.text << '"';
    }
}

TEST(DomainOf, Addresses) {
    EXPECT_EQ(domain_of("alice@Example.COM"), "example.com");
    EXPECT_EQ(domain_of("\"a@b\"@example.net"), "example.net");
    EXPECT_EQ(domain_of("postmaster"), "");
    EXPECT_EQ(domain_of("alice@"), "");
    EXPECT_EQ(domain_of(""), "");
}

struct SubdomainCase {
    std::string domain;
    std::string parent;
    bool expected;
};

TEST(IsSameOrSubdomain, WholeLabelsOnly) {
    const std::vector<SubdomainCase> cases{
        {"example.com", "example.com", true},
        {"EXAMPLE.com", "example.COM", true},
        {"mx.example.com", "example.com", true},
        {"a.b.example.com", "example.com", true},
        {"MX.Example.Com", "example.com", true},
        {"badexample.com", "example.com", false},
        {"example.com.example.net", "example.com", false},
        {"example.com", "mx.example.com", false},
        {"xample.com", "example.com", false},
        {"example.co", "example.com", false},
        {"com", "example.com", false},
        {"example.org", "example.com", false},
    };
    for (const auto& test_case : cases) {
        EXPECT_EQ(is_same_or_subdomain(test_case.domain, test_case.parent), test_case.expected)
            << test_case.domain << " below " << test_case.parent;
    }
}

}  // namespace
}  // namespace odmr
