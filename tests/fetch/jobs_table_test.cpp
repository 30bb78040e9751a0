// The jobs table and the passwords file: fields, quoting, options,
// passwords from the file, and errors that name the file, line and fix.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "shim/jobs_table.hpp"
#include "smtp/table_file.hpp"

namespace odmr {
namespace {

JobsTable parse(const std::string& text, const std::map<std::string, std::string>& passwords = {},
                const std::string& passwords_file = "") {
    return parse_jobs_table(text, "jobs", passwords, passwords_file, JobOptions{});
}

std::string error_of(const std::string& text, const std::map<std::string, std::string>& passwords = {},
                     const std::string& passwords_file = "") {
    try {
        parse(text, passwords, passwords_file);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "(no error)";
}

TEST(JobsTable, AtrnJobWithOptions) {
    const JobsTable table = parse("# comment\n"
                                  "office  mx2.provider.example  atrn  example.com;office:secret  every=15m\n"
                                  "    tls=required  relay=unix:/run/odmr/relay  relay_protocol=lmtp  command_timeout=60\n");
    ASSERT_EQ(table.jobs.size(), 1u);
    const Job& job = table.jobs[0];
    EXPECT_EQ(job.name, "office");
    EXPECT_EQ(job.provider_host, "mx2.provider.example");
    EXPECT_EQ(job.provider_port, 366);
    EXPECT_EQ(job.mode, JobMode::atrn);
    EXPECT_EQ(job.atrn.login, "office");
    EXPECT_EQ(job.atrn.password, "secret");
    EXPECT_EQ(job.schedule.interval, Seconds(900));
    EXPECT_EQ(job.options.tls, TlsMode::required);
    EXPECT_EQ(job.options.relay.socket_path, "/run/odmr/relay");
    EXPECT_EQ(job.options.relay.protocol, RelayProtocol::lmtp);
    EXPECT_EQ(job.options.command_timeout, Seconds(60));
    EXPECT_EQ(job.line, 2);
    EXPECT_TRUE(table.holds_passwords);
}

TEST(JobsTable, EtrnJobInQuotes) {
    const JobsTable table = parse("nightly [192.0.2.7]:2525 ETRN \"example.com se\\\"cret;example.org\" at=06:00\n");
    ASSERT_EQ(table.jobs.size(), 1u);
    const Job& job = table.jobs[0];
    EXPECT_EQ(job.provider_host, "192.0.2.7");
    EXPECT_EQ(job.provider_port, 2525);
    EXPECT_EQ(job.mode, JobMode::etrn);
    ASSERT_EQ(job.etrn.size(), 2u);
    EXPECT_EQ(job.etrn[0].password, "se\"cret");
    EXPECT_EQ(job.etrn[1].node, "example.org");
    EXPECT_EQ(job.describe(), "nightly: etrn 192.0.2.7:2525 \"example.com ********;example.org\" at 06:00");
}

TEST(JobsTable, EtrnDefaultPort) {
    const JobsTable table = parse("j provider.example etrn example.com on-demand\n");
    EXPECT_EQ(table.jobs.at(0).provider_port, 25);
    EXPECT_FALSE(table.holds_passwords);
}

TEST(JobsTable, StarPasswordsComeFromTheFile) {
    const std::map<std::string, std::string> passwords{{"office", "pass with spaces:and;colons"},
                                                       {"nightly/example.com", "etrn secret"}};
    const JobsTable table = parse("office p.example atrn example.com;office:* on-demand\n"
                                  "nightly p.example etrn \"example.com *;example.org\" on-demand\n",
                                  passwords, "/etc/odmr/fetch-passwords");
    EXPECT_EQ(table.find("office")->atrn.password, "pass with spaces:and;colons");
    EXPECT_EQ(table.find("nightly")->etrn[0].password, "etrn secret");
    EXPECT_FALSE(table.holds_passwords);
}

TEST(JobsTable, Errors) {
    EXPECT_EQ(error_of("office p.example atrn example.com;office:secret\n"),
              "jobs, line 1: job office: expected 4 fields after the name, found 3; write: name provider mode "
              "parameters schedule [option=value ...]");
    EXPECT_EQ(error_of("\n\noffice p.example pop3 example.com every=5m\n"),
              "jobs, line 3: job office: invalid mode 'pop3'; write atrn or etrn");
    EXPECT_EQ(error_of("office p.example atrn example.com every=5m\n"),
              "jobs, line 1: job office: invalid ATRN parameters: missing ';' between the domains and login:password; "
              "write domains;login:password such as example.com;login:password");
    EXPECT_EQ(error_of("office p.example:0 etrn example.com every=5m\n"),
              "jobs, line 1: job office: invalid provider 'p.example:0': invalid port in 'p.example:0'; use a number "
              "from 1 to 65535");
    EXPECT_EQ(error_of("office p.example etrn example.com weekly\n"),
              "jobs, line 1: job office: invalid schedule 'weekly'; write every=15m (a number with s, m or h; minutes "
              "without), at=06:00,18:30 or on-demand");
    EXPECT_EQ(error_of("office p.example etrn example.com every=5m tls\n"),
              "jobs, line 1: job office: option 'tls' has no value; write name=value, such as tls=required");
    EXPECT_EQ(error_of("office p.example etrn example.com every=5m tls=sometimes\n"),
              "jobs, line 1: job office: invalid value 'sometimes' for tls; write none, may (STARTTLS when offered), "
              "required (STARTTLS or fail) or implicit (TLS from the first byte)");
    EXPECT_EQ(error_of("office p.example etrn \"example.com every=5m\n"),
              "jobs, line 1: job office: a double quote is not closed; end the quoted field with \"");
    EXPECT_EQ(error_of("a p.example etrn example.com every=5m\nb p.example etrn x.example every=5m\n"
                       "a p.example etrn example.org every=5m\n"),
              "jobs, line 3: job a is already defined on line 1; give each job its own name");
    EXPECT_EQ(error_of("off/ice p.example etrn example.com every=5m\n"),
              "jobs, line 1: invalid job name 'off/ice'; use letters, digits, '-', '_' and '.', at most 64 characters");
}

TEST(JobsTable, RelayNamesItsForms) {
    EXPECT_EQ(error_of("office p.example atrn example.com;office:secret every=5m relay=smtp:foo\n"),
              "jobs, line 1: job office: invalid relay 'smtp:foo'; relay must be inet:host:port, such as "
              "inet:127.0.0.1:10026, or unix:/path for a UNIX-domain socket");
    EXPECT_EQ(error_of("office p.example atrn example.com;office:secret every=5m relay=inet:127.0.0.1:x\n"),
              "jobs, line 1: job office: invalid relay 'inet:127.0.0.1:x': invalid port in '127.0.0.1:x'; use a "
              "number from 1 to 65535");
    EXPECT_EQ(parse("office p.example atrn example.com;office:secret every=5m relay=127.0.0.1:2525\n")
                  .jobs.at(0).options.relay.describe(),
              "inet:127.0.0.1:2525");
}

TEST(JobsTable, OwnCaFileIsChecked) {
    EXPECT_EQ(error_of("office p.example atrn example.com;office:secret every=5m tls=required "
                       "tls_ca_file=/nonexistent/ca.pem\n"),
              "jobs, line 1: job office: cannot read tls_ca_file /nonexistent/ca.pem: No such file or directory; name "
              "a readable PEM file of CA certificates");
}

TEST(JobsTable, DefaultCaFileIsLeftToTheSettings) {
    // The settings reader reports a default's file against the settings
    // file, so the jobs table must not report it against a job's line.
    JobOptions defaults;
    defaults.tls_ca_file = "/nonexistent/ca.pem";
    const JobsTable table =
        parse_jobs_table("office p.example atrn example.com;office:secret every=5m tls=required\n", "jobs", {}, "",
                         defaults);
    ASSERT_EQ(table.jobs.size(), 1u);
    EXPECT_EQ(table.jobs[0].options.tls_ca_file, "/nonexistent/ca.pem");
}

TEST(JobsTable, UnknownOptionListsTheNames) {
    const std::string error = error_of("office p.example etrn example.com every=5m colour=blue\n");
    EXPECT_EQ(error.rfind("jobs, line 1: job office: unknown option 'colour'; the options are tls, tls_ca_file,", 0), 0u)
        << error;
}

TEST(JobsTable, StarPasswordErrors) {
    EXPECT_EQ(error_of("office p.example atrn example.com;office:* on-demand\n"),
              "jobs, line 1: job office: the password is *, but no passwords_file is set; set passwords_file and add "
              "the line 'office PASSWORD' to that file");
    EXPECT_EQ(error_of("nightly p.example etrn \"example.com *\" on-demand\n", {}, "/etc/odmr/fetch-passwords"),
              "jobs, line 1: job nightly: the password is *, but /etc/odmr/fetch-passwords has no entry "
              "'nightly/example.com'; add the line 'nightly/example.com PASSWORD' to it");
}

class PrivateFiles : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/odmr-fetch-table-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        directory_ = pattern;
    }
    void TearDown() override {
        for (const auto& file : files_) unlink(file.c_str());
        rmdir(directory_.c_str());
    }
    std::string write(const std::string& name, const std::string& text, mode_t mode) {
        const std::string path = directory_ + "/" + name;
        std::ofstream(path) << text;
        chmod(path.c_str(), mode);
        files_.push_back(path);
        return path;
    }

    std::string directory_;
    std::vector<std::string> files_;
};

TEST_F(PrivateFiles, PasswordsFileMustBePrivate) {
    const std::string passwords = write("passwords", "office secret\n", 0640);
    const std::string jobs = write("jobs", "office p.example atrn example.com;office:* on-demand\n", 0644);
    try {
        load_jobs_table(jobs, passwords, JobOptions{});
        FAIL() << "a passwords file readable by its group was accepted";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()),
                  passwords + ": the file contains passwords but other users may read or change it (mode 0640); make "
                              "it readable only by the user odmr-fetch runs as: chmod 600 " + passwords);
    }

    chmod(passwords.c_str(), 0600);
    EXPECT_EQ(load_jobs_table(jobs, passwords, JobOptions{}).jobs.at(0).atrn.password, "secret");
}

TEST_F(PrivateFiles, TableWithPasswordsMustNotBeWorldReadable) {
    const std::string jobs = write("jobs", "office p.example atrn example.com;office:secret on-demand\n", 0644);
    EXPECT_THROW(load_jobs_table(jobs, "", JobOptions{}), ConfigError);

    chmod(jobs.c_str(), 0640);
    EXPECT_EQ(load_jobs_table(jobs, "", JobOptions{}).jobs.size(), 1u);
}

TEST_F(PrivateFiles, PasswordsFileErrorsNameTheLine) {
    const std::string passwords = write("passwords", "office secret\n\noffice again\n", 0600);
    try {
        load_passwords_file(passwords);
        FAIL();
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()), passwords + ", line 3: entry 'office' is listed again; keep one");
    }
}

}  // namespace
}  // namespace odmr
