#include "smtp/table_file.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/unit/private_directory.hpp"

namespace odmr {
namespace {

using namespace std::string_literals;

// The message of the ConfigError that parsing throws, or nothing.
std::optional<std::string> parse_error(const std::string& text) {
    try {
        parse_table_text(text, "/etc/odmr/example");
    } catch (const ConfigError& error) {
        return std::string(error.what());
    }
    return std::nullopt;
}

TEST(TableFile, KeysAndValues) {
    const auto entries = parse_table_text("example.com  max_messages=5 max_bytes=1M\nexample.net\n", "table");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].key, "example.com");
    EXPECT_EQ(entries[0].value, "max_messages=5 max_bytes=1M");
    EXPECT_EQ(entries[0].line, 1);
    EXPECT_EQ(entries[0].file, "table");
    EXPECT_EQ(entries[1].key, "example.net");
    EXPECT_EQ(entries[1].value, "");
    EXPECT_EQ(entries[1].line, 2);
}

TEST(TableFile, CommentsAndBlankLinesSkipped) {
    const auto entries = parse_table_text("# queue domains\n\n   \n\t\nexample.com\n  # an indented comment\n", "table");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].key, "example.com");
    EXPECT_EQ(entries[0].line, 5);
}

TEST(TableFile, TabSeparatesKeyAndValue) {
    const auto entries = parse_table_text("alice\t{PLAIN}secret\texample.com\n", "table");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].key, "alice");
    EXPECT_EQ(entries[0].value, "{PLAIN}secret\texample.com");
}

TEST(TableFile, CrlfLineEnds) {
    const auto entries = parse_table_text("example.com a=1\r\nexample.net\r\n", "table");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].value, "a=1");
    EXPECT_EQ(entries[1].key, "example.net");
}

TEST(TableFile, LastLineWithoutNewline) {
    const auto entries = parse_table_text("example.com\nexample.net", "table");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[1].key, "example.net");
}

TEST(TableFile, ContinuationLinesJoinValue) {
    const auto entries =
        parse_table_text("alice {PLAIN}secret example.com,\n    example.net,\n\texample.org\nbob x\n", "table");
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].value, "{PLAIN}secret example.com, example.net, example.org");
    EXPECT_EQ(entries[0].line, 1);
    EXPECT_EQ(entries[1].line, 4);
}

TEST(TableFile, ContinuationOfKeyWithoutValue) {
    const auto entries = parse_table_text("example.com\n  max_messages=5\n", "table");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].value, "max_messages=5");
}

TEST(TableFile, ContinuationWithoutEntry) {
    const auto error = parse_error("# first an indented line\n  example.com\n");
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("/etc/odmr/example, line 2: "), std::string::npos) << *error;
    EXPECT_NE(error->find("remove the leading white space"), std::string::npos) << *error;
}

TEST(TableFile, NulByte) {
    const auto error = parse_error("example.com\nexam\0ple.net\n"s);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("/etc/odmr/example, line 2: "), std::string::npos) << *error;
    EXPECT_NE(error->find("NUL byte"), std::string::npos) << *error;
}

TEST(TableFile, NulByteInComment) {
    const auto error = parse_error("# comment \0\n"s);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("line 1"), std::string::npos) << *error;
}

TEST(TableFile, ReadsFile) {
    test::PrivateDirectory directory;
    const std::string path = directory.write("queue-domains", "# comment\nexample.com max_messages=5\n");
    const auto entries = read_table_file(path);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].file, path);
    EXPECT_EQ(entries[0].line, 2);
    EXPECT_EQ(entries[0].value, "max_messages=5");
}

TEST(TableFile, ErrorInFileNamesPath) {
    test::PrivateDirectory directory;
    const std::string bad = directory.write("bad", "a\n\0\n"s);
    try {
        read_table_file(bad);
        FAIL() << "a NUL byte was accepted";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find(bad + ", line 2: "), std::string::npos) << error.what();
    }
}

TEST(TableFile, MissingFile) {
    test::PrivateDirectory directory;
    const std::string path = directory.path() + "/absent";
    try {
        read_table_file(path);
        FAIL() << "a missing file was read";
    } catch (const ConfigError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find(path + ": cannot open the file"), std::string::npos) << message;
        EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace odmr
