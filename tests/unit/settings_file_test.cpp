#include "smtp/settings_file.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/unit/private_directory.hpp"

namespace odmr {
namespace {

using namespace std::string_literals;
namespace po = program_options;

// A program with a few settings of each type, as odmrd declares them.
class SettingsFile : public ::testing::Test {
protected:
    SettingsFile() {
        command_line_.add_options()("help", "show the settings")("config", po::value<std::string>(), "settings file");
        settings_.add_options()("port", po::value<int>()->default_value(366), "port")(
            "listen", po::value<std::string>()->default_value(""), "address")(
            "verbose", po::value<bool>()->default_value(false), "log more")(
            "greeting", po::value<std::string>()->default_value("ready"), "greeting text")(
            "peer", po::value<std::vector<std::string>>()->composing(), "a peer address; may be repeated")(
            "command_timeout", po::value<int>()->default_value(300), "seconds to wait for a command")(
            "retry_delay", po::value<int>()->default_value(60), "seconds to wait before a retry");
        number_ranges_["command_timeout"] = NumberRange{1, 86400, "seconds"};
    }

    // Parses the arguments that follow the program name, --config among
    // them when a test names a file.
    SettingSources parse(std::vector<std::string> arguments, const std::string& default_file = "") {
        arguments.insert(arguments.begin(), "odmrd");
        std::vector<char*> argv;
        for (auto& argument : arguments) argv.push_back(argument.data());

        SettingsRequest request;
        request.argc = static_cast<int>(argv.size());
        request.argv = argv.data();
        request.command_line_only = &command_line_;
        request.settings = &settings_;
        request.default_config_file = default_file;
        request.number_ranges = number_ranges_;
        return parse_settings(request, values_);
    }

    // The message of the ConfigError that parsing a file with this text
    // throws, or nothing.
    std::optional<std::string> file_error(const std::string& text) {
        const std::string path = directory_.write("odmrd.conf", text);
        try {
            parse({"--config", path});
        } catch (const ConfigError& error) {
            return std::string(error.what());
        }
        return std::nullopt;
    }

    std::string write_file(const std::string& text) { return directory_.write("odmrd.conf", text); }

    test::PrivateDirectory directory_;
    po::options_description command_line_;
    po::options_description settings_;
    po::variables_map values_;
    std::map<std::string, NumberRange> number_ranges_;
};

TEST_F(SettingsFile, ReadsValues) {
    const std::string path = write_file("port = 2525\nverbose = yes\nlisten=127.0.0.1:2525\n");
    parse({"--config", path});
    EXPECT_EQ(values_["port"].as<int>(), 2525);
    EXPECT_TRUE(values_["verbose"].as<bool>());
    EXPECT_EQ(values_["listen"].as<std::string>(), "127.0.0.1:2525");
}

TEST_F(SettingsFile, DefaultsWithoutFile) {
    parse({});
    EXPECT_EQ(values_["port"].as<int>(), 366);
    EXPECT_FALSE(values_["verbose"].as<bool>());
}

TEST_F(SettingsFile, MissingDefaultFileIsOptional) {
    parse({}, directory_.path() + "/absent.conf");
    EXPECT_EQ(values_["port"].as<int>(), 366);
}

TEST_F(SettingsFile, DefaultFileIsRead) {
    const std::string path = write_file("port = 10366\n");
    parse({}, path);
    EXPECT_EQ(values_["port"].as<int>(), 10366);
}

TEST_F(SettingsFile, CommentsAndContinuation) {
    const std::string path = write_file("# odmrd settings\n\ngreeting =\n    ready for\n    mail\n  # indented comment\nport = 25\n");
    parse({"--config", path});
    EXPECT_EQ(values_["greeting"].as<std::string>(), "ready for mail");
    EXPECT_EQ(values_["port"].as<int>(), 25);
}

TEST_F(SettingsFile, ValueWithEqualsSign) {
    const std::string path = write_file("greeting = a=b\n");
    parse({"--config", path});
    EXPECT_EQ(values_["greeting"].as<std::string>(), "a=b");
}

TEST_F(SettingsFile, CommandLineWins) {
    const std::string path = write_file("port = 2525\nverbose = yes\n");
    const SettingSources sources = parse({"--config", path, "--port", "10025"});
    EXPECT_EQ(values_["port"].as<int>(), 10025);
    EXPECT_TRUE(values_["verbose"].as<bool>());
    EXPECT_EQ(sources.describe("port"), "the command line");
    EXPECT_EQ(sources.describe("verbose"), path + ", line 2");
    EXPECT_EQ(sources.describe("listen"), "the default");
}

TEST_F(SettingsFile, UnknownName) {
    const auto error = file_error("port = 25\n\ncolour = blue\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("odmrd.conf, line 3: "), std::string::npos) << *error;
    EXPECT_NE(error->find("unknown setting 'colour'"), std::string::npos) << *error;
    EXPECT_NE(error->find("--help"), std::string::npos) << *error;
}

TEST_F(SettingsFile, CommandLineOnlyOptionInFile) {
    const auto error = file_error("help = yes\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("line 1: unknown setting 'help'"), std::string::npos) << *error;
}

TEST_F(SettingsFile, BadValue) {
    const auto error = file_error("# settings\nport = many\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("odmrd.conf, line 2: "), std::string::npos) << *error;
    EXPECT_NE(error->find("many"), std::string::npos) << *error;
    EXPECT_NE(error->find("port"), std::string::npos) << *error;
}

TEST_F(SettingsFile, BadBooleanValue) {
    const auto error = file_error("port = 25\nverbose = perhaps\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("odmrd.conf, line 2: "), std::string::npos) << *error;
    EXPECT_NE(error->find("perhaps"), std::string::npos) << *error;
}

TEST_F(SettingsFile, SettingGivenTwice) {
    const auto error = file_error("port = 25\nport = 26\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("odmrd.conf, line 2: "), std::string::npos) << *error;
}

TEST_F(SettingsFile, LineWithoutEquals) {
    const auto error = file_error("port 25\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("odmrd.conf, line 1: "), std::string::npos) << *error;
    EXPECT_NE(error->find("expected 'name = value', found 'port 25'"), std::string::npos) << *error;
}

TEST_F(SettingsFile, NulByte) {
    const auto error = file_error("port = 25\nlisten = \0\n"s);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("odmrd.conf, line 2: "), std::string::npos) << *error;
    EXPECT_NE(error->find("NUL byte"), std::string::npos) << *error;
}

TEST_F(SettingsFile, ExplicitFileMustExist) {
    const std::string path = directory_.path() + "/absent.conf";
    try {
        parse({"--config", path});
        FAIL() << "a missing settings file was accepted";
    } catch (const ConfigError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find(path + ": the settings file does not exist"), std::string::npos) << message;
    }
}

TEST_F(SettingsFile, BadCommandLineValue) {
    try {
        parse({"--port", "many"});
        FAIL() << "a port of 'many' was accepted";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "port (command line): port = many is invalid; write a whole number from 0 to 2147483647");
    }
}

TEST_F(SettingsFile, CommandLineReplacesListSetting) {
    const std::string path = write_file("peer = 127.0.0.1:23660\npeer = 127.0.0.1:23661\n");
    const SettingSources sources = parse({"--config", path, "--peer", "127.0.0.1:23663"});
    EXPECT_EQ(values_["peer"].as<std::vector<std::string>>(), std::vector<std::string>{"127.0.0.1:23663"});
    EXPECT_EQ(sources.describe("peer"), "the command line");
}

TEST_F(SettingsFile, FileListSettingComposes) {
    const std::string path = write_file("peer = 127.0.0.1:23660\npeer = 127.0.0.1:23661\n");
    parse({"--config", path});
    const std::vector<std::string> expected{"127.0.0.1:23660", "127.0.0.1:23661"};
    EXPECT_EQ(values_["peer"].as<std::vector<std::string>>(), expected);
}

TEST_F(SettingsFile, NumberErrorsNameRangeAndUnit) {
    for (const std::string value : {"ten", "30s", "99999999999999999999", "0", "86401", "-5", "1.5"}) {
        const auto error = file_error("# settings\ncommand_timeout = " + value + "\n");
        ASSERT_TRUE(error.has_value()) << value;
        EXPECT_NE(error->find("odmrd.conf, line 2: command_timeout = " + value +
                              " is invalid; write a whole number of seconds from 1 to 86400"),
                  std::string::npos)
            << *error;
    }
}

TEST_F(SettingsFile, NumberWithoutRangeTakesUnitFromHelp) {
    const auto error = file_error("retry_delay = 1m\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("line 1: retry_delay = 1m is invalid; write a whole number of seconds from 0 to 2147483647"),
              std::string::npos)
        << *error;
}

TEST_F(SettingsFile, NumberInRangeAccepted) {
    const std::string path = write_file("command_timeout = 86400\nretry_delay = 0\n");
    parse({"--config", path});
    EXPECT_EQ(values_["command_timeout"].as<int>(), 86400);
    EXPECT_EQ(values_["retry_delay"].as<int>(), 0);
}

TEST_F(SettingsFile, CommandLineNumberChecked) {
    try {
        parse({"--command_timeout", "ten"});
        FAIL() << "command_timeout = ten was accepted";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()), "command_timeout (command line): command_timeout = ten is invalid; write "
                                             "a whole number of seconds from 1 to 86400");
    }
}

TEST_F(SettingsFile, DirectoryAsFileRejected) {
    try {
        parse({"--config", directory_.path()}, "/etc/odmr/odmrd.conf");
        FAIL() << "a directory was read as a settings file";
    } catch (const ConfigError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find(directory_.path() + ": this is a directory, not a settings file"), std::string::npos)
            << message;
        EXPECT_NE(message.find("such as " + directory_.path() + "/odmrd.conf"), std::string::npos) << message;
    }
}

TEST_F(SettingsFile, ErrorNamesFileLine) {
    const std::string path = write_file("port = 25\nlisten = nowhere\n");
    const SettingSources sources = parse({"--config", path});
    const ConfigError error = sources.error("listen", "listen = 'nowhere' is invalid; use host:port");
    EXPECT_EQ(std::string(error.what()), path + ", line 2: listen = 'nowhere' is invalid; use host:port");
}

TEST_F(SettingsFile, ErrorNamesCommandLine) {
    const SettingSources sources = parse({"--listen", "nowhere"});
    const ConfigError error = sources.error("listen", "invalid");
    EXPECT_EQ(std::string(error.what()), "listen (command line): invalid");
}

TEST_F(SettingsFile, ErrorNamesDefault) {
    const SettingSources sources = parse({});
    const ConfigError error = sources.error("listen", "invalid");
    EXPECT_EQ(std::string(error.what()), "listen (default value): invalid");
}

}  // namespace
}  // namespace odmr
