#include "plugin/host/json.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "smtp/text.hpp"

namespace odmr {
namespace {

std::optional<json::Value> parse_or_report(const std::string& text) {
    std::string error;
    auto value = json::parse(text, error);
    EXPECT_TRUE(value.has_value()) << "\"" << printable(text) << "\": " << error;
    return value;
}

// The decoded text of a JSON string, or "(not a string)".
std::string decoded_string(const std::string& text) {
    const auto value = parse_or_report(text);
    if (!value || value->string() == nullptr) return "(not a string)";
    return *value->string();
}

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(Json, Literals) {
    const auto null_value = parse_or_report("null");
    ASSERT_TRUE(null_value.has_value());
    EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(null_value->data));

    const auto true_value = parse_or_report(" true ");
    ASSERT_TRUE(true_value.has_value());
    EXPECT_EQ(std::get<bool>(true_value->data), true);

    const auto false_value = parse_or_report("false");
    ASSERT_TRUE(false_value.has_value());
    EXPECT_EQ(std::get<bool>(false_value->data), false);
}

TEST(Json, Numbers) {
    const std::vector<std::pair<std::string, double>> cases{
        {"0", 0}, {"-0", 0}, {"1796418185", 1796418185}, {"-12.5", -12.5}, {"1e3", 1000}, {"2.5E-1", 0.25}, {"1E+2", 100},
    };
    for (const auto& [text, expected] : cases) {
        const auto value = parse_or_report(text);
        ASSERT_TRUE(value.has_value());
        ASSERT_NE(value->number(), nullptr) << text;
        EXPECT_DOUBLE_EQ(*value->number(), expected) << text;
    }
}

TEST(Json, ObjectsAndArrays) {
    const auto value = parse_or_report(R"({"name": "x", "list": [1, "two", {"three": 3}], "empty": {}, "none": []})");
    ASSERT_TRUE(value.has_value());
    ASSERT_NE(value->object(), nullptr);

    const json::Value* name = json::member(*value, "name");
    ASSERT_NE(name, nullptr);
    EXPECT_EQ(*name->string(), "x");

    const json::Value* list = json::member(*value, "list");
    ASSERT_NE(list, nullptr);
    ASSERT_NE(list->array(), nullptr);
    ASSERT_EQ(list->array()->size(), 3u);
    EXPECT_EQ(*(*list->array())[1].string(), "two");
    const json::Value* three = json::member((*list->array())[2], "three");
    ASSERT_NE(three, nullptr);
    EXPECT_EQ(*three->number(), 3);

    EXPECT_TRUE(json::member(*value, "empty")->object()->empty());
    EXPECT_TRUE(json::member(*value, "none")->array()->empty());
    EXPECT_EQ(json::member(*value, "absent"), nullptr);
    EXPECT_EQ(json::member(*name, "name"), nullptr);
}

TEST(Json, WhiteSpaceAroundTokens) {
    const auto value = parse_or_report(" \t\r\n{ \"a\" :\n[ 1 , 2 ] }\n");
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(json::member(*value, "a")->array()->size(), 2u);
}

TEST(Json, Escapes) {
    EXPECT_EQ(decoded_string(R"("a\"b\\c\/d")"), "a\"b\\c/d");
    EXPECT_EQ(decoded_string(R"("\b\f\n\r\t")"), "\b\f\n\r\t");
    EXPECT_EQ(decoded_string(R"("")"), "");
}

TEST(Json, UnicodeEscapes) {
    EXPECT_EQ(decoded_string(R"("\u0041")"), "A");
    EXPECT_EQ(decoded_string(R"("\u0000")"), std::string(1, '\0'));
    EXPECT_EQ(decoded_string(R"("\u00e9")"), "\xc3\xa9");
    EXPECT_EQ(decoded_string(R"("\u00E9")"), "\xc3\xa9");
    EXPECT_EQ(decoded_string(R"("\u07ff")"), "\xdf\xbf");
    EXPECT_EQ(decoded_string(R"("\u0800")"), "\xe0\xa0\x80");
    EXPECT_EQ(decoded_string(R"("\u20ac")"), "\xe2\x82\xac");
    EXPECT_EQ(decoded_string(R"("\uffff")"), "\xef\xbf\xbf");
}

TEST(Json, SurrogatePairs) {
    EXPECT_EQ(decoded_string(R"("\ud83d\ude00")"), "\xf0\x9f\x98\x80");
    EXPECT_EQ(decoded_string(R"("\uD800\uDC00")"), "\xf0\x90\x80\x80");
    EXPECT_EQ(decoded_string(R"("\udbff\udfff")"), "\xf4\x8f\xbf\xbf");
    EXPECT_EQ(decoded_string(R"("x\ud83d\ude00y")"), "x\xf0\x9f\x98\x80y");
}

TEST(Json, RawUtf8PassesThrough) {
    EXPECT_EQ(decoded_string("\"m\xc3\xa4x@example.com\""), "m\xc3\xa4x@example.com");
}

struct MalformedCase {
    std::string text;
    std::string error;  // a part of the error message
};

TEST(Json, MalformedInput) {
    const std::vector<MalformedCase> cases{
        {"", "unexpected end of text"},
        {"   ", "unexpected end of text"},
        {"{", "expected a member name"},
        {"[", "unexpected end of text"},
        {"[1,]", "unexpected character"},
        {"[1 2]", "expected ',' or ']'"},
        {"[1]]", "unexpected data after the value"},
        {"{\"a\" 1}", "expected ':'"},
        {"{\"a\":}", "unexpected character"},
        {"{\"a\":1,}", "expected a member name"},
        {"{\"a\":1 \"b\":2}", "expected ',' or '}'"},
        {"{a:1}", "expected a member name"},
        {"{} x", "unexpected data after the value"},
        {"\"unterminated", "unterminated string"},
        {"\"ends in backslash\\", "unterminated string"},
        {"\"bad \\x escape\"", "invalid escape"},
        {"\"\\u12\"", "invalid \\u escape"},
        {"\"\\u12G4\"", "invalid \\u escape"},
        {"\"\\u", "invalid \\u escape"},
        {"\"tab\tinside\"", "control character in a string"},
        {"\"line\nbreak\"", "control character in a string"},
        {"tru", "unexpected character"},
        {"nul", "unexpected character"},
        {"True", "unexpected character"},
        {"-", "invalid number"},
        {"1e", "invalid number"},
        {"1.2.3", "unexpected data after the value"},
        {"--1", "invalid number"},
        {"+1", "unexpected character"},
        {".5", "unexpected character"},
        {"'single'", "unexpected character"},
    };
    for (const auto& test_case : cases) {
        std::string error;
        const auto value = json::parse(test_case.text, error);
        EXPECT_FALSE(value.has_value()) << "\"" << printable(test_case.text) << "\" was accepted";
        EXPECT_NE(error.find(test_case.error), std::string::npos)
            << "\"" << printable(test_case.text) << "\": " << error;
    }
}

TEST(Json, NumbersOutsideGrammar) {
    // RFC 8259 section 6 allows no leading zeros, no bare trailing point
    // and no hexadecimal or special values.
    for (const std::string text : {"01", "-01", "1.", "1.e5", "0x10", "1e5.5", "Infinity", "NaN", "-inf"}) {
        std::string error;
        EXPECT_FALSE(json::parse(text, error).has_value()) << "\"" << text << "\" was accepted";
    }
}

TEST(Json, LoneSurrogatesRejected) {
    // A surrogate that is not part of a pair encodes no character, and
    // UTF-8 has no form for it.
    for (const std::string text : {R"("\ud83d")", R"("\ud83dx")", R"("\ude00")", R"("\ud83d\u0041")", R"("\ud83d\ud83d")",
                                   R"("\udc00\ud800")"}) {
        std::string error;
        EXPECT_FALSE(json::parse(text, error).has_value()) << text << " was accepted";
        EXPECT_NE(error.find("surrogate"), std::string::npos) << text << ": " << error;
    }
}

TEST(Json, ErrorNamesOffset) {
    std::string error;
    EXPECT_FALSE(json::parse("[1,2 3]", error).has_value());
    EXPECT_NE(error.find("at offset 5"), std::string::npos) << error;
}

TEST(Json, DepthLimitAllows32Levels) {
    std::string error;
    EXPECT_TRUE(json::parse(nested_arrays(32), error).has_value()) << error;
    EXPECT_TRUE(json::parse("[" + nested_arrays(31).insert(31, "1") + "]", error).has_value()) << error;
}

TEST(Json, DepthLimitRejects33Levels) {
    std::string error;
    EXPECT_FALSE(json::parse(nested_arrays(33), error).has_value());
    EXPECT_NE(error.find("nesting too deep"), std::string::npos) << error;
}

TEST(Json, DepthLimitCountsObjects) {
    std::string text;
    for (int i = 0; i < 33; ++i) text += "{\"a\":";
    text += "1";
    text += std::string(33, '}');
    std::string error;
    EXPECT_FALSE(json::parse(text, error).has_value());
    EXPECT_NE(error.find("nesting too deep"), std::string::npos) << error;
}

TEST(Json, VeryDeepInputFailsCleanly) {
    std::string error;
    EXPECT_FALSE(json::parse(std::string(1000000, '['), error).has_value());
    EXPECT_NE(error.find("nesting too deep"), std::string::npos) << error;
}

}  // namespace
}  // namespace odmr
