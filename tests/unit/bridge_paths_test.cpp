#include "plugin/odmrd/bridge_paths.hpp"

#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "smtp/socket.hpp"
#include "tests/unit/private_directory.hpp"

namespace odmr {
namespace {

constexpr std::size_t max_socket_path = sizeof(sockaddr_un{}.sun_path) - 1;

// A domain of exactly `length` characters: labels of up to 63 letters.
std::string domain_of_length(std::size_t length) {
    std::string domain;
    while (domain.size() < length) {
        if (!domain.empty()) domain += '.';
        domain += std::string(std::min<std::size_t>(63, length - domain.size()), 'd');
    }
    return domain;
}

TEST(BridgeSocketPath, ShortDomainKeepsName) {
    EXPECT_EQ(bridge_socket_path("/run/odmr/bridge", "example.com"), "/run/odmr/bridge/example.com");
}

TEST(BridgeSocketPath, LongDomainHashed) {
    const std::string directory = "/run/odmr/bridge";
    const std::string path = bridge_socket_path(directory, domain_of_length(200));
    ASSERT_TRUE(path.starts_with(directory + "/h-")) << path;
    EXPECT_LE(path.size(), max_socket_path) << path;

    const std::string digits = path.substr(directory.size() + 3);
    EXPECT_EQ(digits.size(), 32u) << path;
    EXPECT_EQ(digits.find_first_not_of("0123456789abcdef"), std::string::npos) << path;
}

TEST(BridgeSocketPath, HashedNameIsStable) {
    const std::string domain = domain_of_length(150);
    EXPECT_EQ(bridge_socket_path("/run/odmr/bridge", domain), bridge_socket_path("/run/odmr/bridge", domain));
}

TEST(BridgeSocketPath, HashedNamesDiffer) {
    const std::string first = domain_of_length(150) + ".com";
    const std::string second = domain_of_length(150) + ".net";
    EXPECT_NE(bridge_socket_path("/run/odmr/bridge", first), bridge_socket_path("/run/odmr/bridge", second));
}

TEST(BridgeSocketPath, LimitBoundary) {
    const std::string directory = "/run/odmr/bridge";
    const std::size_t fitting_length = max_socket_path - directory.size() - 1;

    const std::string fitting = domain_of_length(fitting_length);
    EXPECT_EQ(bridge_socket_path(directory, fitting), directory + "/" + fitting);

    const std::string too_long = domain_of_length(fitting_length + 1);
    EXPECT_TRUE(bridge_socket_path(directory, too_long).starts_with(directory + "/h-"));
}

TEST(BridgeSocketPath, PathsAcceptedByBind) {
    // Both the longest direct name and a hashed name must work as real
    // socket paths.
    test::PrivateDirectory directory;
    const std::string longest = domain_of_length(max_socket_path - directory.path().size() - 1);
    for (const std::string& domain : {longest, domain_of_length(240)}) {
        const std::string path = bridge_socket_path(directory.path(), domain);
        int fd = -1;
        EXPECT_NO_THROW(fd = listen_unix(path, 0600)) << path;
        close_fd(fd);
    }
}

TEST(TransportMapLine, ShortDomain) {
    EXPECT_EQ(transport_map_line("/run/odmr/bridge", "example.com"), "example.com\todmr:unix:/run/odmr/bridge/example.com");
}

TEST(TransportMapLine, LongDomainUsesHashedPath) {
    const std::string domain = domain_of_length(200);
    EXPECT_EQ(transport_map_line("/run/odmr/bridge", domain),
              domain + "\todmr:unix:" + bridge_socket_path("/run/odmr/bridge", domain));
}

TEST(TransportMapLines, DomainAndSubdomains) {
    EXPECT_EQ(transport_map_lines("/run/odmr/bridge", "example.com"),
              "example.com\todmr:unix:/run/odmr/bridge/example.com\n"
              ".example.com\todmr:unix:/run/odmr/bridge/example.com\n");
}

TEST(DomainLock, SecondSessionFindsDomainBusy) {
    test::PrivateDirectory directory;
    std::string busy;
    auto first = DomainLock::acquire_all(directory.path(), {"example.com", "example.net"}, busy);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->size(), 2u);

    auto second = DomainLock::acquire_all(directory.path(), {"example.net", "example.org"}, busy);
    EXPECT_FALSE(second.has_value());
    EXPECT_EQ(busy, "example.net");
}

TEST(DomainLock, FailedAcquireReleasesEarlierLocks) {
    test::PrivateDirectory directory;
    std::string busy;
    auto holder = DomainLock::acquire_all(directory.path(), {"example.net"}, busy);
    ASSERT_TRUE(holder.has_value());

    // example.com comes first in the set, so it is locked before
    // example.net turns out busy, and must be given back.
    EXPECT_FALSE(DomainLock::acquire_all(directory.path(), {"example.com", "example.net"}, busy).has_value());
    EXPECT_TRUE(DomainLock::acquire_all(directory.path(), {"example.com"}, busy).has_value());
}

TEST(DomainLock, ReleasedWhenLocksEnd) {
    test::PrivateDirectory directory;
    std::string busy;
    {
        auto locks = DomainLock::acquire_all(directory.path(), {"example.com"}, busy);
        ASSERT_TRUE(locks.has_value());
    }
    EXPECT_TRUE(DomainLock::acquire_all(directory.path(), {"example.com"}, busy).has_value());
}

TEST(DomainLock, MissingDirectoryThrows) {
    test::PrivateDirectory directory;
    std::string busy;
    EXPECT_THROW(DomainLock::acquire_all(directory.path() + "/absent", {"example.com"}, busy), std::runtime_error);
}

}  // namespace
}  // namespace odmr
