#include "plugin/odmrd/etrn_authorizer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/unit/private_directory.hpp"

namespace odmr {
namespace {

class EtrnAuthorizer : public ::testing::Test {
protected:
    void SetUp() override {
        write("queue-domains",
              "example.com etrn_address=[192.0.2.7]:25 etrn_clients=198.51.100.0/24\n"
              "mx.example.com etrn_address=[192.0.2.8]:25 etrn_clients=198.51.100.0/24\n"
              "badexample.com etrn_address=[192.0.2.9]:25\n"
              "locked.example etrn_address=[192.0.2.10]:25 etrn_require_password=yes\n"
              "atrn-only.example\n");
        write("accounts",
              "alice {PLAIN}alice-secret example.com,locked.example\n"
              "bob {PLAIN}bob-secret badexample.com\n");
        chmod((directory_.path() + "/accounts").c_str(), 0640);
        tables_ = load_tables(directory_.path() + "/queue-domains", directory_.path() + "/accounts");
    }

    void write(const std::string& name, const std::string& text) {
        std::ofstream(directory_.path() + "/" + name) << text;
    }

    EtrnVerdict decide(const std::string& argument, const std::string& address, const std::string& login = "") {
        std::string error;
        const auto request = parse_etrn_argument(argument, error);
        EXPECT_TRUE(request) << argument << ": " << error;
        return authorize_etrn(*request, EtrnClient{address, login}, *tables_);
    }

    test::PrivateDirectory directory_;
    std::shared_ptr<const Tables> tables_;
};

TEST_F(EtrnAuthorizer, ClientListAllows) {
    const auto verdict = decide("example.com", "198.51.100.20");
    EXPECT_TRUE(verdict.allowed);
    ASSERT_EQ(verdict.domains.size(), 1u);
    EXPECT_EQ(verdict.domains.front()->domain, "example.com");
}

TEST_F(EtrnAuthorizer, OtherClientRefused) {
    const auto verdict = decide("example.com", "203.0.113.5");
    EXPECT_FALSE(verdict.allowed);
    EXPECT_EQ(verdict.code, 459);
    EXPECT_EQ(verdict.text.substr(0, 6), "4.7.1 ");
}

TEST_F(EtrnAuthorizer, DefaultClientIsFixedAddress) {
    EXPECT_TRUE(decide("badexample.com", "192.0.2.9").allowed);
    EXPECT_FALSE(decide("badexample.com", "192.0.2.7").allowed);
}

TEST_F(EtrnAuthorizer, OwnerLoginAllows) {
    EXPECT_TRUE(decide("example.com", "203.0.113.5", "alice").allowed);
    EXPECT_FALSE(decide("example.com", "203.0.113.5", "bob").allowed);
}

TEST_F(EtrnAuthorizer, PasswordRules) {
    EXPECT_TRUE(decide("locked.example alice-secret", "203.0.113.5").allowed);
    EXPECT_FALSE(decide("locked.example", "192.0.2.10").allowed) << "the fixed address alone is not enough";
    EXPECT_FALSE(decide("locked.example bob-secret", "203.0.113.5").allowed) << "bob does not own it";
    EXPECT_FALSE(decide("example.com wrong", "198.51.100.20").allowed) << "a wrong password is refused";
}

TEST_F(EtrnAuthorizer, SubdomainsByWholeLabels) {
    const auto verdict = decide("@example.com", "198.51.100.20");
    ASSERT_TRUE(verdict.allowed);
    std::vector<std::string> names;
    for (const auto* domain : verdict.domains) names.push_back(domain->domain);
    EXPECT_EQ(names, (std::vector<std::string>{"example.com", "mx.example.com"}));
}

TEST_F(EtrnAuthorizer, RefusedWithoutFixedAddressOrDomain) {
    EXPECT_EQ(decide("atrn-only.example", "198.51.100.20", "alice").code, 459);
    EXPECT_EQ(decide("unknown.example", "198.51.100.20").code, 459);
    EXPECT_EQ(decide("#queue", "198.51.100.20").code, 459);
}

}  // namespace
}  // namespace odmr
