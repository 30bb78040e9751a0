#include "smtp/network_list.hpp"

#include <gtest/gtest.h>

namespace odmr {
namespace {

TEST(NetworkList, AddressesAndNetworks) {
    std::string bad;
    const auto list = NetworkList::parse("192.0.2.7, 198.51.100.0/24 [2001:db8::]/32 2001:db8:1::1", bad);
    ASSERT_TRUE(list) << bad;
    EXPECT_TRUE(list->contains("192.0.2.7"));
    EXPECT_FALSE(list->contains("192.0.2.8"));
    EXPECT_TRUE(list->contains("198.51.100.255"));
    EXPECT_FALSE(list->contains("198.51.101.0"));
    EXPECT_TRUE(list->contains("2001:db8:ffff::1"));
    EXPECT_FALSE(list->contains("2001:db9::1"));
    EXPECT_FALSE(list->contains("not an address"));
}

TEST(NetworkList, Ipv4NeverMatchesIpv6Network) {
    std::string bad;
    const auto list = NetworkList::parse("::/0", bad);
    ASSERT_TRUE(list);
    EXPECT_TRUE(list->contains("2001:db8::1"));
    EXPECT_FALSE(list->contains("192.0.2.1"));
    const auto v4_only = NetworkList::parse("0.0.0.0/0", bad);
    ASSERT_TRUE(v4_only);
    EXPECT_TRUE(v4_only->contains("192.0.2.1"));
    EXPECT_FALSE(v4_only->contains("2001:db8::1"));
}

TEST(NetworkList, BadEntriesNamed) {
    for (const std::string text : {"192.0.2.0/33", "2001:db8::/129", "example.com", "192.0.2.1/", "192.0.2.1/x"}) {
        std::string bad;
        EXPECT_FALSE(NetworkList::parse(text, bad)) << text;
        EXPECT_FALSE(bad.empty()) << text;
    }
}

}  // namespace
}  // namespace odmr
