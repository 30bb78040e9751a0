#include "smtp/base64.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "smtp/text.hpp"

namespace odmr {
namespace {

struct Vector {
    std::string data;
    std::string encoded;
};

// The test vectors of RFC 4648, section 10.
const std::vector<Vector> rfc4648_vectors{
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64, EncodesRfc4648Vectors) {
    for (const auto& vector : rfc4648_vectors) {
        EXPECT_EQ(base64_encode(vector.data), vector.encoded) << "data \"" << vector.data << '"';
    }
}

TEST(Base64, DecodesRfc4648Vectors) {
    for (const auto& vector : rfc4648_vectors) {
        EXPECT_EQ(base64_decode(vector.encoded), vector.data) << "text \"" << vector.encoded << '"';
    }
}

TEST(Base64, EveryByteRoundTrips) {
    std::string data;
    for (int byte = 0; byte < 256; ++byte) data += static_cast<char>(byte);
    for (std::size_t length = 0; length <= data.size(); length += 1) {
        const std::string part = data.substr(0, length);
        EXPECT_EQ(base64_decode(base64_encode(part)), part) << "first " << length << " bytes";
    }
}

TEST(Base64, SaslPlainMessage) {
    // "\0alice\0secret", as a client sends it after AUTH PLAIN.
    EXPECT_EQ(base64_decode("AGFsaWNlAHNlY3JldA=="), std::string("\0alice\0secret", 13));
}

TEST(Base64, BadPadding) {
    for (const std::string text : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg=a", "Zg==Zg==", "Zm9v=", "Zm9vYg===",
                                   "=Zm9", "Zm=v"}) {
        EXPECT_EQ(base64_decode(text), std::nullopt) << "text \"" << text << '"';
    }
}

TEST(Base64, BadCharacters) {
    for (const std::string text : {"Zm9-", "Zm9_", "Zm 9", "Zm9v\r\n", " Zm9v", "Zm9v YmFy", "Zm.v", "Zm9\x80"}) {
        EXPECT_EQ(base64_decode(text), std::nullopt) << "text \"" << printable(text) << '"';
    }
}

TEST(Base64, NulByteIsBadCharacter) {
    EXPECT_EQ(base64_decode(std::string("Zm\0v", 4)), std::nullopt);
}

}  // namespace
}  // namespace odmr
