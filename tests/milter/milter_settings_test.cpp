#include "plugin/milter/milter_settings.hpp"

#include <gtest/gtest.h>

#include "tests/harness/child_process.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {
namespace {

TEST(MilterSocket, UnixPathKeptForBoth) {
    const MilterSocket socket = parse_milter_socket("unix:/run/odmr/milter.sock");

    EXPECT_EQ(socket.postfix_form, "unix:/run/odmr/milter.sock");
    EXPECT_EQ(socket.libmilter_form, "unix:/run/odmr/milter.sock");
    EXPECT_EQ(socket.unix_path, "/run/odmr/milter.sock");
}

TEST(MilterSocket, LocalIsUnix) {
    EXPECT_EQ(parse_milter_socket("local:/run/milter").unix_path, "/run/milter");
}

TEST(MilterSocket, InetWrittenForLibmilter) {
    const MilterSocket socket = parse_milter_socket("inet:127.0.0.1:8366");

    EXPECT_EQ(socket.libmilter_form, "inet:8366@127.0.0.1");
    EXPECT_EQ(socket.unix_path, "");
}

TEST(MilterSocket, InetIpv6InBrackets) {
    EXPECT_EQ(parse_milter_socket("inet:[::1]:8366").libmilter_form, "inet6:8366@::1");
}

TEST(MilterSocket, InetHostName) {
    EXPECT_EQ(parse_milter_socket("inet:localhost:8366").libmilter_form, "inet:8366@localhost");
}

TEST(MilterSocket, InvalidFormsRejected) {
    for (const std::string text : {"", "8366", "unix:relative/path", "inet:127.0.0.1", "inet:127.0.0.1:0",
                                   "inet:127.0.0.1:70000", "inet:::1:8366", "inet:[127.0.0.1]:8366",
                                   "inet:bad_host:8366", "tcp:127.0.0.1:8366"}) {
        EXPECT_THROW(parse_milter_socket(text), std::invalid_argument) << text;
    }
}

TEST(MilterSocket, ErrorNamesValue) {
    try {
        parse_milter_socket("inet:127.0.0.1:99999");
        FAIL() << "no error";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("inet:127.0.0.1:99999"), std::string::npos) << error.what();
    }
}

MilterCommand parse(const std::vector<std::string>& arguments) {
    std::vector<std::string> all{"odmr-milter"};
    all.insert(all.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (auto& argument : all) argv.push_back(argument.data());
    return parse_milter_command(static_cast<int>(argv.size()), argv.data());
}

TEST(MilterSettings, FileAndCommandLine) {
    TempDirectory directory;
    write_file(directory.file("milter.conf"),
               "listen = inet:127.0.0.1:8366\nrefresh_interval = 5\nodmr_port = 10366\n"
               "postfix_config_directory = /etc/postfix-provider\netrn_port = 1025\n");

    const MilterCommand command = parse({"-c", directory.file("milter.conf"), "--refresh_interval", "7"});

    EXPECT_EQ(command.action, MilterAction::serve);
    EXPECT_EQ(command.settings.socket.libmilter_form, "inet:8366@127.0.0.1");
    EXPECT_EQ(command.settings.refresh_interval.count(), 7) << "the command line wins";
    EXPECT_EQ(command.settings.odmr_port, 10366);
    EXPECT_EQ(command.settings.etrn_port, 1025);
    EXPECT_EQ(command.settings.postfix.config_directory, "/etc/postfix-provider");
    EXPECT_EQ(command.settings.queue_domains_file, "/etc/odmr/queue-domains");
}

TEST(MilterSettings, ZeroIntervalNamesFileAndLine) {
    TempDirectory directory;
    write_file(directory.file("milter.conf"), "# settings\nrefresh_interval = 0\n");

    try {
        parse({"-c", directory.file("milter.conf")});
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()),
                  directory.file("milter.conf") + ", line 2: refresh_interval = 0 is invalid; write a whole number of seconds from 1 to 86400");
    }
}

TEST(MilterSettings, EtrnPortDefaultsToNone) {
    const MilterCommand command = parse({"-c", "/dev/null"});

    EXPECT_EQ(command.settings.etrn_port, 0);
    EXPECT_EQ(command.settings.odmr_port, 366);
}

TEST(MilterSettings, BadListenNamesFileAndLine) {
    TempDirectory directory;
    write_file(directory.file("milter.conf"), "listen = 127.0.0.1:8366\n");

    try {
        parse({"-c", directory.file("milter.conf")});
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find(directory.file("milter.conf") + ", line 1: invalid milter socket"),
                  std::string::npos)
            << error.what();
    }
}

// The real program, started the way an admin starts it.
struct ProgramRun {
    int status = -1;
    std::string output;
};

ProgramRun run_milter(const std::vector<std::string>& arguments) {
    std::vector<std::string> argv{ODMR_MILTER_PATH};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    ProgramRun run;
    run.status = run_command(argv, run.output, std::chrono::seconds(20));
    return run;
}

TEST(MilterProgram, MalformedLimitIsStartupError) {
    TempDirectory directory;
    write_file(directory.file("queue-domains"), "example.net\nexample.com  max_messages=lots\n");
    write_file(directory.file("milter.conf"),
               "queue_domains_file = " + directory.file("queue-domains") + "\nlisten = inet:127.0.0.1:1\nsyslog = no\n");

    const ProgramRun run = run_milter({"-c", directory.file("milter.conf")});

    EXPECT_EQ(run.status, 78);
    EXPECT_NE(run.output.find(directory.file("queue-domains") +
                              ", line 2: invalid value 'lots' for max_messages; use a whole number, or 0 for no limit"),
              std::string::npos)
        << run.output;
}

TEST(MilterProgram, MalformedSizeIsStartupError) {
    TempDirectory directory;
    write_file(directory.file("queue-domains"), "example.com  max_message_size=20X\n");
    write_file(directory.file("milter.conf"), "queue_domains_file = " + directory.file("queue-domains") + "\n");

    const ProgramRun run = run_milter({"-c", directory.file("milter.conf"), "--check-config"});

    EXPECT_EQ(run.status, 78);
    EXPECT_NE(run.output.find(directory.file("queue-domains") + ", line 1: invalid value '20X' for max_message_size"),
              std::string::npos)
        << run.output;
}

TEST(MilterProgram, MissingTableIsStartupError) {
    TempDirectory directory;
    write_file(directory.file("milter.conf"), "queue_domains_file = " + directory.file("missing") + "\nsyslog = no\n");

    const ProgramRun run = run_milter({"-c", directory.file("milter.conf")});

    EXPECT_EQ(run.status, 78);
    EXPECT_NE(run.output.find(directory.file("missing") + ": cannot open the file"), std::string::npos) << run.output;
}

TEST(MilterProgram, CheckConfigPrintsLimits) {
    TempDirectory directory;
    write_file(directory.file("queue-domains"), "example.com max_messages=5000 max_bytes=500M max_message_size=50M\n");
    write_file(directory.file("milter.conf"), "queue_domains_file = " + directory.file("queue-domains") + "\n");

    const ProgramRun run = run_milter({"-c", directory.file("milter.conf"), "--check-config"});

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("example.com max_messages=5000 max_bytes=524288000 max_message_size=52428800"),
              std::string::npos)
        << run.output;
}

TEST(MilterProgram, MissingSocketGroupRejected) {
    TempDirectory directory;
    write_file(directory.file("queue-domains"), "example.com\n");
    write_file(directory.file("milter.conf"), "queue_domains_file = " + directory.file("queue-domains") +
                                                  "\nlisten = unix:" + directory.file("milter.sock") +
                                                  "\nsocket_group = no-such-group\n");

    const ProgramRun run = run_milter({"-c", directory.file("milter.conf"), "--check-config"});

    EXPECT_EQ(run.status, 78) << run.output;
    EXPECT_NE(run.output.find(directory.file("milter.conf") +
                              ", line 3: socket_group = no-such-group does not exist; name the group"),
              std::string::npos)
        << run.output;
}

TEST(MilterProgram, MissingPostqueueRejected) {
    TempDirectory directory;
    write_file(directory.file("queue-domains"), "example.com\n");
    write_file(directory.file("milter.conf"), "queue_domains_file = " + directory.file("queue-domains") +
                                                  "\npostqueue_command = " + directory.file("postqueue") + "\n");

    const ProgramRun run = run_milter({"-c", directory.file("milter.conf"), "--check-config"});

    EXPECT_EQ(run.status, 78) << run.output;
    EXPECT_NE(run.output.find("line 2: postqueue_command = " + directory.file("postqueue") + " cannot be found"),
              std::string::npos)
        << run.output;
}

TEST(MilterProgram, PostfixDirectoryWithoutMainCfRejected) {
    TempDirectory directory;
    write_file(directory.file("queue-domains"), "example.com\n");
    write_file(directory.file("milter.conf"), "queue_domains_file = " + directory.file("queue-domains") +
                                                  "\npostfix_config_directory = " + directory.file("none") + "\n");

    const ProgramRun run = run_milter({"-c", directory.file("milter.conf"), "--check-config"});

    EXPECT_EQ(run.status, 78) << run.output;
    EXPECT_NE(run.output.find("line 2: postfix_config_directory = " + directory.file("none") + " has no readable main.cf"),
              std::string::npos)
        << run.output;
}

TEST(MilterProgram, CheckConfigErrorPrintedOnce) {
    TempDirectory directory;
    write_file(directory.file("milter.conf"), "queue_domains_file = " + directory.file("missing") + "\n");

    const ProgramRun run = run_milter({"-c", directory.file("milter.conf"), "--check-config"});

    EXPECT_EQ(run.status, 78);
    const std::string error = directory.file("missing") + ": cannot open the file";
    const auto first = run.output.find(error);
    ASSERT_NE(first, std::string::npos) << run.output;
    EXPECT_EQ(run.output.find(error, first + 1), std::string::npos) << run.output;
    EXPECT_EQ(run.output.rfind("odmr-milter: " + error, 0), 0u) << run.output;
}

TEST(MilterProgram, UnknownOptionIsUsageError) {
    const ProgramRun run = run_milter({"--no-such-option"});

    EXPECT_EQ(run.status, 64);
    EXPECT_NE(run.output.find("--help"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace odmr::test
