// The odmr-fetch program's command line: --check-config, --help, --job, and
// the example configuration in conf-examples/customer/.
#include <gtest/gtest.h>

#include "tests/fetch/fetch_fixture.hpp"
#include "tests/harness/fetch_instance.hpp"
#include "tests/harness/postfix_instance.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {
namespace {

constexpr int exit_usage = 64;
constexpr int exit_config = 78;

class FetchCommand : public ::testing::Test {
protected:
    FetchCommand() : directory_("odmr-fetch-command"), fetch_(directory_.file("fetch")) {}

    TempDirectory directory_;
    OdmrFetchInstance fetch_;
};

TEST_F(FetchCommand, CheckConfigMasksPasswords) {
    fetch_.write_jobs({"office mx2.provider.example atrn example.com,example.net;office:s3cret-atrn every=15m",
                       "nightly mx2.provider.example etrn \"example.com s3cret-etrn;example.org\" at=06:00 tls=may"});

    const FetchRun run = fetch_.run({"--check-config"});

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("office: atrn mx2.provider.example:366 \"example.com,example.net;office:********\" every 15m"),
              std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("nightly: etrn mx2.provider.example:25 \"example.com ********;example.org\" at 06:00"),
              std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("tls=may"), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("s3cret"), std::string::npos) << "a password reached the output";
}

TEST_F(FetchCommand, CheckConfigNamesFileAndLine) {
    fetch_.write_jobs({"good mx2.provider.example etrn example.com every=15m",
                       "bad mx2.provider.example atrn example.com;office every=15m"});

    const FetchRun run = fetch_.run({"--check-config"});

    EXPECT_EQ(run.status, exit_config) << run.output;
    EXPECT_NE(run.output.find("odmr-fetch: " + fetch_.jobs_file() +
                              ", line 3: job bad: invalid ATRN parameters: missing ':' between login and password "
                              "after ';'; write login:password, or login:* to take the password from the passwords file"),
              std::string::npos)
        << run.output;
}

TEST_F(FetchCommand, BadSettingNamesItsSource) {
    fetch_.write_jobs({"good mx2.provider.example etrn example.com every=15m"});

    const FetchRun file = fetch_.run({"--check-config", "--connect_timeout", "soon"});
    EXPECT_EQ(file.status, exit_config) << file.output;
    EXPECT_NE(file.output.find("connect_timeout (command line): invalid value 'soon' for connect_timeout; write a "
                               "number of seconds from 1 to 604800"),
              std::string::npos)
        << file.output;

    const FetchRun option = fetch_.run({"--check-config", "--no-such-option"});
    EXPECT_EQ(option.status, exit_usage) << option.output;
}

TEST_F(FetchCommand, SettingsCaFileNamesSettingsFile) {
    // The settings lines of the test instance come after its seven fixed ones.
    const OdmrFetchInstance fetch(directory_.file("settings-ca"), {"tls_ca_file = /nonexistent/ca.pem"});
    fetch.write_jobs({"office mx2.provider.example atrn example.com;office:s3cret every=15m tls=required"});

    const FetchRun run = fetch.run({"--check-config"});

    EXPECT_EQ(run.status, exit_config) << run.output;
    EXPECT_NE(run.output.find("odmr-fetch: " + fetch.config_file() + ", line 8: cannot read tls_ca_file "
                              "/nonexistent/ca.pem: No such file or directory; name a readable PEM file of CA "
                              "certificates"),
              std::string::npos)
        << run.output;
    EXPECT_EQ(run.output.find(fetch.jobs_file()), std::string::npos) << run.output;
}

TEST_F(FetchCommand, JobOwnCaFileNamesJobsLine) {
    fetch_.write_jobs({"office mx2.provider.example atrn example.com;office:s3cret every=15m tls=required "
                       "tls_ca_file=/nonexistent/ca.pem"});

    const FetchRun run = fetch_.run({"--check-config"});

    EXPECT_EQ(run.status, exit_config) << run.output;
    EXPECT_NE(run.output.find("odmr-fetch: " + fetch_.jobs_file() + ", line 2: job office: cannot read tls_ca_file "
                              "/nonexistent/ca.pem"),
              std::string::npos)
        << run.output;
}

TEST_F(FetchCommand, JobNeedsOnceOrCheckConfig) {
    fetch_.write_jobs({"good mx2.provider.example etrn example.com every=15m"});

    const FetchRun run = fetch_.run({"--job", "good"}, std::chrono::seconds(20));

    EXPECT_EQ(run.status, exit_usage) << run.output;
    EXPECT_NE(run.output.find("odmr-fetch: --job goes with --once or --check-config; add --once to run that job now, "
                              "or --check-config to check it"),
              std::string::npos)
        << run.output;
}

TEST_F(FetchCommand, EmptyTableWarns) {
    fetch_.write_jobs({});

    const FetchRun run = fetch_.run({"--check-config"});

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("odmr-fetch: warning: " + fetch_.jobs_file() + " defines no jobs; add one line per job: "
                              "name provider mode parameters schedule [option=value ...]"),
              std::string::npos)
        << run.output;
}

TEST_F(FetchCommand, OnceWithEmptyTableWarns) {
    fetch_.write_jobs({});

    const FetchRun run = fetch_.run({"--once"});

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find(fetch_.jobs_file() + " defines no jobs"), std::string::npos) << run.output;
}

TEST_F(FetchCommand, UnreadablePasswordsFileNamesOwner) {
    // The files are root's, as after a copy made as root; odmr-fetch runs as
    // nobody and may read everything but the passwords file.
    const OdmrFetchInstance fetch(directory_.file("unreadable"),
                                  {"passwords_file = " + directory_.file("unreadable") + "/fetch-passwords"});
    fetch.write_jobs({"office mx2.provider.example atrn example.com;office:* every=15m"}, 0644);
    fetch.write_passwords({"office s3cret"}, 0600);

    std::string output;
    const int status = run_command({"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                    OdmrFetchInstance::binary(), "-c", fetch.config_file(), "--check-config"},
                                   output);

    EXPECT_EQ(status, exit_config) << output;
    EXPECT_NE(output.find("odmr-fetch: " + fetch.passwords_file() + ": cannot read the passwords file: Permission "
                          "denied; it is owned by root with mode 0600, and odmr-fetch runs as nobody; run chown "
                          "nobody " + fetch.passwords_file()),
              std::string::npos)
        << output;
}

TEST_F(FetchCommand, UnknownJobIsAnError) {
    fetch_.write_jobs({"good mx2.provider.example etrn example.com every=15m"});

    const FetchRun run = fetch_.run_once({"--job", "nosuch"});

    EXPECT_EQ(run.status, exit_config) << run.output;
    EXPECT_NE(run.output.find("no job named 'nosuch'"), std::string::npos) << run.output;
}

TEST_F(FetchCommand, HelpGivesUnits) {
    const FetchRun run = fetch_.run({"--help"});

    EXPECT_EQ(run.status, 0) << run.output;
    for (const char* text : {"--once", "--check-config", "--job", "seconds to wait for a connection",
                             "seconds one session may take", "inet:host:port or unix:/path", "--syslog arg (=yes)"}) {
        EXPECT_NE(run.output.find(text), std::string::npos) << text;
    }
    EXPECT_EQ(run.output.find("(=1)"), std::string::npos) << "a boolean shown as a number";
    EXPECT_EQ(run.output.find("(=0)"), std::string::npos) << "a boolean shown as a number";
    for (const auto& line : lines_of(run.output)) EXPECT_LE(line.size(), 80u) << line;
}

TEST_F(FetchCommand, ExampleConfigurationIsValid) {
    // The example files as they are, with the passwords file made private
    // as its comment requires.
    const std::string jobs = directory_.file("fetch-jobs");
    const std::string passwords = directory_.file("fetch-passwords");
    write_file(jobs, conf_example("customer/fetch-jobs"), 0640);
    write_file(passwords, conf_example("customer/fetch-passwords"), 0600);
    const std::string settings = std::string(ODMR_SOURCE_DIRECTORY) + "/conf-examples/customer/odmr-fetch.conf";

    std::string output;
    const int status = run_command({OdmrFetchInstance::binary(), "-c", settings, "--jobs_file", jobs, "--passwords_file",
                                    passwords, "--syslog", "no", "--check-config"},
                                   output);

    EXPECT_EQ(status, 0) << output;
    EXPECT_NE(output.find("office: atrn mx2.provider.example:366 \"example.com,example.net;office:********\" every 15m"),
              std::string::npos)
        << output;
    EXPECT_NE(output.find("backup: etrn backup-mx.provider.example:25 \"example.com ********;example.org\" at 06:00,18:00"),
              std::string::npos)
        << output;
    EXPECT_NE(output.find("tls=required"), std::string::npos) << output;
    EXPECT_NE(output.find("tls=may"), std::string::npos) << output;
    EXPECT_EQ(output.find("replace"), std::string::npos) << "a password reached the output";
}

}  // namespace
}  // namespace odmr::test
