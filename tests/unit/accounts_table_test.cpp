#include "plugin/tables/accounts_table.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "smtp/table_file.hpp"
#include "tests/unit/private_directory.hpp"

namespace odmr {
namespace {

class AccountsTableTest : public ::testing::Test {
protected:
    AccountsTableTest()
        : queue_domains_(QueueDomainTable::load(directory_.write("queue-domains", "example.com\nexample.net\nexample.org\n"))) {}

    // The message of the ConfigError that loading this text throws, or
    // nothing.
    std::optional<std::string> load_error(const std::string& text, mode_t mode = 0600) {
        const std::string path = directory_.write("accounts", text, mode);
        try {
            AccountsTable::load(path, queue_domains_);
        } catch (const ConfigError& error) {
            return std::string(error.what());
        }
        return std::nullopt;
    }

    test::PrivateDirectory directory_;
    QueueDomainTable queue_domains_;
};

TEST_F(AccountsTableTest, GoodTable) {
    const std::string cram = make_stored_password("CRAM-MD5", "bobs secret");
    const std::string crypt = make_stored_password("SHA512-CRYPT", "carols secret");
    const std::string path = directory_.write("accounts",
                                              "# login   password   domains\n"
                                              "alice {PLAIN}alices-secret example.com, example.net\n"
                                              "bob " + cram + " example.org\n"
                                              "carol\t" + crypt + "\tEXAMPLE.COM,example.org\n"
                                              "dave {PLAIN}x example.com\n"
                                              "     example.net\n",
                                              0640);
    const auto table = AccountsTable::load(path, queue_domains_);
    EXPECT_EQ(table.size(), 4u);

    const Account* alice = table.find("alice");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->login, "alice");
    EXPECT_EQ(alice->domains, (std::set<std::string>{"example.com", "example.net"}));
    EXPECT_TRUE(alice->password.verify("alices-secret"));
    EXPECT_EQ(alice->file, path);
    EXPECT_EQ(alice->line, 2);

    const Account* bob = table.find("bob");
    ASSERT_NE(bob, nullptr);
    EXPECT_EQ(bob->password.scheme(), StoredPassword::Scheme::cram_md5);
    EXPECT_TRUE(bob->password.verify("bobs secret"));
    EXPECT_EQ(bob->line, 3);

    const Account* carol = table.find("carol");
    ASSERT_NE(carol, nullptr);
    EXPECT_EQ(carol->domains, (std::set<std::string>{"example.com", "example.org"}));
    EXPECT_TRUE(carol->password.verify("carols secret"));

    const Account* dave = table.find("dave");
    ASSERT_NE(dave, nullptr);
    EXPECT_EQ(dave->domains, (std::set<std::string>{"example.com", "example.net"}));

    EXPECT_EQ(table.find("mallory"), nullptr);
    EXPECT_EQ(table.find("Alice"), nullptr);
}

TEST_F(AccountsTableTest, OwnersOfDomain) {
    const std::string path = directory_.write("accounts",
                                              "alice {PLAIN}a example.com,example.net\n"
                                              "bob {PLAIN}b example.org\n"
                                              "carol {PLAIN}c example.com\n");
    const auto table = AccountsTable::load(path, queue_domains_);

    std::set<std::string> owners;
    for (const Account* account : table.owners("example.com")) owners.insert(account->login);
    EXPECT_EQ(owners, (std::set<std::string>{"alice", "carol"}));
    EXPECT_EQ(table.owners("example.org").size(), 1u);
    EXPECT_TRUE(table.owners("example.edu").empty());
}

TEST_F(AccountsTableTest, WorldReadableFileRefused) {
    const auto error = load_error("alice {PLAIN}alices-secret example.com\n", 0644);
    ASSERT_TRUE(error.has_value());
    const std::string path = directory_.path() + "/accounts";
    EXPECT_NE(error->find(path + ": "), std::string::npos) << *error;
    EXPECT_NE(error->find("readable by every user (mode 0644)"), std::string::npos) << *error;
    EXPECT_NE(error->find("chmod 640 " + path), std::string::npos) << *error;
    EXPECT_EQ(error->find("alices-secret"), std::string::npos) << *error;
}

TEST_F(AccountsTableTest, WorldReadableAcceptedWithoutModeCheck) {
    const std::string path = directory_.write("accounts", "alice {PLAIN}x example.com\n", 0644);
    EXPECT_EQ(AccountsTable::load(path, queue_domains_, false).size(), 1u);
}

TEST_F(AccountsTableTest, GroupReadableAccepted) {
    EXPECT_EQ(load_error("alice {PLAIN}x example.com\n", 0640), std::nullopt);
}

TEST_F(AccountsTableTest, GroupWritableFileRefused) {
    const auto error = load_error("alice {PLAIN}x example.com\n", 0660);
    ASSERT_TRUE(error.has_value());
    const std::string path = directory_.path() + "/accounts";
    EXPECT_NE(error->find(path + ": "), std::string::npos) << *error;
    EXPECT_NE(error->find("writable by its group (mode 0660)"), std::string::npos) << *error;
    EXPECT_NE(error->find("chmod 640 " + path), std::string::npos) << *error;
}

TEST_F(AccountsTableTest, WorldWritableFileRefused) {
    for (const mode_t mode : {0602, 0642, 0662}) {
        const auto error = load_error("alice {PLAIN}x example.com\n", mode);
        ASSERT_TRUE(error.has_value()) << std::oct << mode;
        EXPECT_NE(error->find("writable by every user"), std::string::npos) << *error;
        EXPECT_NE(error->find("chmod 640 "), std::string::npos) << *error;
    }
}

TEST_F(AccountsTableTest, MissingFile) {
    const std::string path = directory_.path() + "/absent";
    try {
        AccountsTable::load(path, queue_domains_);
        FAIL() << "a missing accounts file was loaded";
    } catch (const ConfigError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find(path + ": cannot read the file"), std::string::npos) << message;
        EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
    }
}

struct BadAccountsCase {
    std::string text;
    int line;
    std::vector<std::string> fragments;  // the bad value (or the login) and the fix
};

TEST_F(AccountsTableTest, BadInputsNameFileLineValueAndFix) {
    const std::vector<BadAccountsCase> cases{
        {"alice\n", 1, {"login alice has no password", "write: login {SCHEME}password domain,..."}},
        {"alice {PLAIN}hunter2xyz\n", 1,
         {"login alice has no domains", "list the queue domains it may release after the password"}},
        {"alice {PLAIN}hunter2xyz exa_mple.com\n", 1,
         {"invalid domain name 'exa_mple.com' for login alice", "write a domain such as example.com"}},
        {"alice {PLAIN}hunter2xyz example.com,example.edu\n", 1,
         {"domain example.edu of login alice is not in the queue-domain table", "add it there or remove it here"}},
        {"alice {PLAIN}hunter2xyz mx.example.com\n", 1, {"domain mx.example.com of login alice is not in the queue-domain table"}},
        {"# accounts\nalice {PLAIN}a example.com\nalice {PLAIN}hunter2xyz example.net\n", 3,
         {"login alice is listed again", "keep one entry"}},
        {"alice hunter2xyz example.com\n", 1, {"invalid password for login alice", "no scheme prefix", "{PLAIN}"}},
        {"alice {ROT13}hunter2xyz example.com\n", 1, {"invalid password for login alice", "unknown password scheme {ROT13}"}},
        {"alice {CRAM-MD5}hunter2xyz example.com\n", 1, {"invalid password for login alice", "odmrd --hash-password CRAM-MD5"}},
        {"alice {SHA512-CRYPT}hunter2xyz example.com\n", 1, {"invalid password for login alice", "crypt(3) hash"}},
        {"  alice {PLAIN}hunter2xyz example.com\n", 1, {"no entry comes before it", "remove the leading white space"}},
    };

    const std::string path = directory_.path() + "/accounts";
    for (const auto& test_case : cases) {
        const auto error = load_error(test_case.text);
        if (!error) {
            ADD_FAILURE() << "table \"" << test_case.text << "\" was accepted";
            continue;
        }
        const std::string place = path + ", line " + std::to_string(test_case.line) + ": ";
        EXPECT_NE(error->find(place), std::string::npos) << *error;
        for (const auto& fragment : test_case.fragments) {
            EXPECT_NE(error->find(fragment), std::string::npos) << *error;
        }
        EXPECT_EQ(error->find("hunter2xyz"), std::string::npos) << *error;
    }
}

}  // namespace
}  // namespace odmr
