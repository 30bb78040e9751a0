#include "smtp/dot_stuffing.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smtp/data_terminator.hpp"
#include "smtp/text.hpp"

namespace odmr {
namespace {

struct StuffingCase {
    std::string message;
    std::string data;      // the DATA form
    std::string restored;  // what dot_unstuff gives back: CRLF line ends throughout
};

const std::vector<StuffingCase> stuffing_cases{
    {"", ".\r\n", ""},
    {"a", "a\r\n.\r\n", "a\r\n"},
    {"a\n", "a\r\n.\r\n", "a\r\n"},
    {"a\r\n", "a\r\n.\r\n", "a\r\n"},
    {".\n", "..\r\n.\r\n", ".\r\n"},
    {".", "..\r\n.\r\n", ".\r\n"},
    {"a\n.b\n..c\n", "a\r\n..b\r\n...c\r\n.\r\n", "a\r\n.b\r\n..c\r\n"},
    {"x.y\n", "x.y\r\n.\r\n", "x.y\r\n"},
    {"\n\n", "\r\n\r\n.\r\n", "\r\n\r\n"},
    {"Subject: s\r\n\r\n.\r\nafter\r\n", "Subject: s\r\n\r\n..\r\nafter\r\n.\r\n", "Subject: s\r\n\r\n.\r\nafter\r\n"},
    {"a\rb\n", "a\rb\r\n.\r\n", "a\rb\r\n"},
};

TEST(DotStuffMessage, Cases) {
    for (const auto& test_case : stuffing_cases) {
        EXPECT_EQ(dot_stuff_message(test_case.message), test_case.data) << "message \"" << printable(test_case.message) << '"';
    }
}

TEST(DotUnstuff, ReversesStuffing) {
    for (const auto& test_case : stuffing_cases) {
        EXPECT_EQ(dot_unstuff(test_case.data), test_case.restored) << "data \"" << printable(test_case.data) << '"';
    }
}

TEST(DotUnstuff, WithoutTerminator) {
    EXPECT_EQ(dot_unstuff("..a\r\nb\r\n"), ".a\r\nb\r\n");
}

TEST(DotUnstuff, StopsAtTerminator) {
    EXPECT_EQ(dot_unstuff("a\r\n.\r\nMAIL FROM:<next@example.com>\r\n"), "a\r\n");
}

TEST(DotUnstuff, BareLfTerminator) {
    EXPECT_EQ(dot_unstuff("a\n.\nafter\n"), "a\n");
}

TEST(DotStuffMessage, ScannerFindsEndExactly) {
    // The terminator dot_stuff_message writes is the one the relay looks
    // for, and no stuffed line inside the body looks like it.
    for (const auto& test_case : stuffing_cases) {
        const std::string data = dot_stuff_message(test_case.message);
        DataTerminatorScanner scanner;
        EXPECT_EQ(scanner.scan(data), data.size()) << "message \"" << printable(test_case.message) << '"';
    }
}

}  // namespace
}  // namespace odmr
