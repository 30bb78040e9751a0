// odmrd's settings as an admin meets them. --check-config and the start
// reject what would stop the daemon or its deliveries: users, groups, the
// TLS files, postqueue, CA files and the bridge directory. The start gives
// the bridge directory to odmrd's user and Postfix's group. These tests
// run the real program without Postfix.
#include <gtest/gtest.h>

#include <grp.h>
#include <sys/stat.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/harness/child_process.hpp"
#include "tests/harness/network.hpp"
#include "tests/harness/odmrd_instance.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/harness/text_search.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

constexpr int exit_config = 78;
constexpr uid_t nobody = 65534;
constexpr gid_t nobody_group = 65534;  // nogroup, the primary group of nobody on Debian

struct ProgramRun {
    int status = -1;
    std::string output;
};

class OdmrdConfig : public ::testing::Test {
protected:
    OdmrdConfig() : port_(free_port()) {
        write_file(directory_.file("queue-domains"), "example.com\nexample.net\n");
        write_file(directory_.file("accounts"),
                   "alice {PLAIN}alice-secret example.com\nbob {PLAIN}bob-secret example.net example.com\n", 0640);
        // Several tests run odmrd with user = nobody, which must read them.
        share_with_group(directory_.file("queue-domains"), nobody_group);
        share_with_group(directory_.file("accounts"), nobody_group);
    }

    // Writes odmrd.conf from the base settings and the test's own lines;
    // the file's first extra line is line 6.
    std::string write_settings(const std::vector<std::string>& extra = {}) {
        std::string text = "listen = 127.0.0.1:" + std::to_string(port_) + "\n" +
                           "accounts_file = " + directory_.file("accounts") + "\n" +
                           "queue_domains_file = " + directory_.file("queue-domains") + "\n" +
                           "bridge_directory = " + bridge_directory() + "\n" + "syslog = no\n";
        for (const auto& line : extra) text += line + "\n";
        write_file(directory_.file("odmrd.conf"), text);
        return directory_.file("odmrd.conf");
    }

    std::string bridge_directory() const { return directory_.file("bridge"); }

    ProgramRun run(const std::vector<std::string>& arguments, const std::vector<std::string>& prefix = {}) {
        std::vector<std::string> argv = prefix;
        argv.push_back(OdmrdInstance::binary());
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        ProgramRun result;
        result.status = run_command(argv, result.output, 20s);
        return result;
    }

    ProgramRun check(const std::vector<std::string>& extra) {
        return run({"-c", write_settings(extra), "--check-config"});
    }


    TempDirectory directory_;
    std::uint16_t port_;
};

TEST_F(OdmrdConfig, SummaryShowsListenersUserAndLogins) {
    const ProgramRun result =
        check({"etrn_listen = 127.0.0.1:" + std::to_string(free_port()), "user = nobody"});

    EXPECT_EQ(result.status, 0) << result.output;
    EXPECT_NE(result.output.find("\nlisten: 127.0.0.1:" + std::to_string(port_) + "\n"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("\netrn_listen: 127.0.0.1:"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("\npolicy_listen: none\n"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("\nbridge directory: " + bridge_directory() + " (socket group postfix)\n"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("\nuser: nobody\n"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("\n  alice: example.com\n"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("\n  bob: example.com example.net\n"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("secret"), std::string::npos) << result.output;
}

TEST_F(OdmrdConfig, CommandLineListenReplacesFile) {
    const std::string other = "127.0.0.1:" + std::to_string(free_port());

    const ProgramRun result = run({"-c", write_settings(), "--listen", other, "--check-config"});

    EXPECT_EQ(result.status, 0) << result.output;
    EXPECT_NE(result.output.find("\nlisten: " + other + "\n"), std::string::npos) << result.output;
}

TEST_F(OdmrdConfig, ErrorPrintedOnce) {
    const ProgramRun result = check({"user = no-such-user"});

    EXPECT_EQ(result.status, exit_config);
    const std::string error = directory_.file("odmrd.conf") + ", line 6: user = no-such-user does not exist";
    EXPECT_EQ(count_occurrences(result.output, error), 1u) << result.output;
    EXPECT_EQ(result.output.rfind("odmrd: " + error, 0), 0u) << result.output;
}

TEST_F(OdmrdConfig, MissingUserLeavesNoDirectory) {
    const ProgramRun result = run({"-c", write_settings({"user = no-such-user"}), "-f"});

    EXPECT_EQ(result.status, exit_config) << result.output;
    EXPECT_NE(result.output.find("user = no-such-user does not exist; create it (useradd --system no-such-user)"),
              std::string::npos)
        << result.output;
    struct stat status{};
    EXPECT_NE(stat(bridge_directory().c_str(), &status), 0) << "the bridge directory was created";
}

TEST_F(OdmrdConfig, MissingGroupRejected) {
    const ProgramRun result = check({"bridge_socket_group = no-such-group"});

    EXPECT_EQ(result.status, exit_config);
    EXPECT_NE(result.output.find("line 6: bridge_socket_group = no-such-group does not exist; name the group of "
                                 "Postfix's mail_owner"),
              std::string::npos)
        << result.output;
}

TEST_F(OdmrdConfig, MissingPostqueueRejected) {
    const std::string path = directory_.file("postqueue");
    const ProgramRun missing = check({"postqueue_command = " + path});
    EXPECT_EQ(missing.status, exit_config);
    EXPECT_NE(missing.output.find("line 6: postqueue_command = " + path + " cannot be found"), std::string::npos)
        << missing.output;

    write_file(path, "#!/bin/sh\n", 0644);
    const ProgramRun not_executable = check({"postqueue_command = " + path});
    EXPECT_EQ(not_executable.status, exit_config);
    EXPECT_NE(not_executable.output.find("postqueue_command = " + path + " is not executable"), std::string::npos)
        << not_executable.output;
}

TEST_F(OdmrdConfig, MissingCertificateNamed) {
    const std::string certificate = directory_.file("missing.pem");
    const ProgramRun result =
        check({"tls_certificate_file = " + certificate, "tls_key_file = " + directory_.file("key.pem")});

    EXPECT_EQ(result.status, exit_config);
    EXPECT_NE(result.output.find("line 6: tls_certificate_file = " + certificate + " cannot be read"),
              std::string::npos)
        << result.output;
}

TEST_F(OdmrdConfig, MismatchedKeyNamed) {
    for (const std::string name : {"one", "two"}) {
        std::string output;
        ASSERT_EQ(run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                               "/CN=provider.test", "-keyout", directory_.file(name + "-key.pem"), "-out",
                               directory_.file(name + "-certificate.pem")},
                              output),
                  0)
            << output;
    }

    const ProgramRun result = check({"tls_certificate_file = " + directory_.file("one-certificate.pem"),
                                     "tls_key_file = " + directory_.file("two-key.pem")});

    EXPECT_EQ(result.status, exit_config);
    EXPECT_NE(result.output.find("line 6: cannot load the TLS key " + directory_.file("two-key.pem") + ": "),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("key values mismatch"), std::string::npos) << result.output;
}

TEST_F(OdmrdConfig, UnreadableEtrnCaFileRejected) {
    const std::string ca_file = directory_.file("missing-ca.pem");
    write_file(directory_.file("queue-domains"),
               "example.com\nexample.net etrn_address=[192.0.2.7]:25 etrn_tls=encrypt etrn_tls_ca_file=" + ca_file +
                   "\n");

    const ProgramRun result = check({});

    EXPECT_EQ(result.status, exit_config);
    EXPECT_NE(result.output.find(directory_.file("queue-domains") + ", line 2: etrn_tls_ca_file " + ca_file +
                                 " of example.net cannot be read"),
              std::string::npos)
        << result.output;
}

TEST_F(OdmrdConfig, NumberSettingErrorNamesUnitAndRange) {
    for (const std::string value : {"ten", "30s", "99999999999999999999"}) {
        const ProgramRun result = check({"command_timeout = " + value});

        EXPECT_EQ(result.status, exit_config) << value;
        EXPECT_NE(result.output.find("line 6: command_timeout = " + value +
                                     " is invalid; write a whole number of seconds from 1 to 86400"),
                  std::string::npos)
            << result.output;
    }
}

TEST_F(OdmrdConfig, DirectoryAsSettingsFileRejected) {
    const ProgramRun result = run({"-c", directory_.path(), "--check-config"});

    EXPECT_EQ(result.status, exit_config);
    EXPECT_NE(result.output.find(directory_.path() + ": this is a directory, not a settings file"), std::string::npos)
        << result.output;
}

TEST_F(OdmrdConfig, WritableAccountsFileRejected) {
    chmod(directory_.file("accounts").c_str(), 0662);

    const ProgramRun result = check({});

    EXPECT_EQ(result.status, exit_config);
    EXPECT_NE(result.output.find("writable by every user (mode 0662)"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("chmod 640 " + directory_.file("accounts")), std::string::npos) << result.output;
}

// odmrd rereads the tables on SIGHUP after it has become its user, so a
// table only root can read would make every later reload fail.
TEST_F(OdmrdConfig, TablesUnreadableByUserRejected) {
    ASSERT_EQ(chown(directory_.file("accounts").c_str(), 0, 0), 0);

    const ProgramRun result = check({"user = nobody"});

    EXPECT_EQ(result.status, exit_config) << result.output;
    EXPECT_NE(result.output.find("user = nobody: nobody cannot read " + directory_.file("accounts")), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("chgrp nogroup " + directory_.file("accounts")), std::string::npos) << result.output;
}

TEST_F(OdmrdConfig, PostfixDirectoryWithoutMainCfRejected) {
    const ProgramRun result = check({"postfix_config_directory = " + directory_.file("no-postfix")});

    EXPECT_EQ(result.status, exit_config) << result.output;
    EXPECT_NE(result.output.find("line 6: postfix_config_directory = " + directory_.file("no-postfix") +
                                 " has no readable main.cf"),
              std::string::npos)
        << result.output;
}

// The case a new admin meets: a bridge directory made by hand as root, and
// user = nobody. odmrd gives it to its user and Postfix's group, so that
// it can make its lock files and sockets and Postfix's lmtp client can
// reach them.
TEST_F(OdmrdConfig, RootStartFixesBridgeDirectory) {
    make_directory(bridge_directory(), 0750);
    const std::string config = write_settings({"user = nobody"});

    ChildProcess odmrd({OdmrdInstance::binary(), "-c", config, "-f"}, directory_.file("odmrd.log"));
    ASSERT_TRUE(wait_for_port(port_, 10s)) << odmrd.output();

    struct stat status{};
    ASSERT_EQ(stat(bridge_directory().c_str(), &status), 0);
    const group* postfix = getgrnam("postfix");
    ASSERT_NE(postfix, nullptr);
    EXPECT_EQ(status.st_uid, nobody);
    EXPECT_EQ(status.st_gid, postfix->gr_gid);
    EXPECT_EQ(status.st_mode & 07777, 02750u);
    EXPECT_NE(odmrd.output().find("odmrd started: 2 queue domains, 2 accounts"), std::string::npos) << odmrd.output();
}

TEST_F(OdmrdConfig, UnprivilegedStartRejectsRootDirectory) {
    make_directory(bridge_directory(), 0750);
    chown(directory_.file("accounts").c_str(), nobody, static_cast<gid_t>(-1));
    const std::string config = write_settings();
    const std::vector<std::string> as_nobody{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};

    const ProgramRun result = run({"-c", config, "-f"}, as_nobody);

    EXPECT_EQ(result.status, exit_config) << result.output;
    EXPECT_NE(result.output.find(config + ", line 4: the bridge directory " + bridge_directory() +
                                 " is owned by root:root with mode 0750"),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("as root, run: chown nobody:postfix " + bridge_directory() + " && chmod 2750 " +
                                 bridge_directory()),
              std::string::npos)
        << result.output;

    const ProgramRun checked = run({"-c", config, "--check-config"}, as_nobody);
    EXPECT_EQ(checked.status, exit_config) << checked.output;
    EXPECT_NE(checked.output.find("is owned by root:root with mode 0750"), std::string::npos) << checked.output;
}

}  // namespace
}  // namespace odmr::test
