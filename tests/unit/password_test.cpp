#include "smtp/password.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace odmr {
namespace {

const std::vector<std::string> made_schemes{"PLAIN", "CRAM-MD5", "SHA512-CRYPT", "SHA256-CRYPT",
                                            "BLF-CRYPT", "SSHA256", "SSHA512"};

std::optional<StoredPassword> parse_or_report(const std::string& text) {
    std::string error;
    auto stored = StoredPassword::parse(text, error);
    EXPECT_TRUE(stored.has_value()) << "\"" << text << "\": " << error;
    return stored;
}

TEST(StoredPassword, EverySchemeRoundTrips) {
    for (const auto& scheme : made_schemes) {
        const auto stored = parse_or_report(make_stored_password(scheme, "correct horse"));
        ASSERT_TRUE(stored.has_value()) << scheme;
        EXPECT_EQ(stored->scheme_name(), scheme);
        EXPECT_TRUE(stored->verify("correct horse")) << scheme;
    }
}

TEST(StoredPassword, WrongPasswordsFail) {
    for (const auto& scheme : made_schemes) {
        const auto stored = parse_or_report(make_stored_password(scheme, "correct horse"));
        ASSERT_TRUE(stored.has_value()) << scheme;
        EXPECT_FALSE(stored->verify("correct horse ")) << scheme;
        EXPECT_FALSE(stored->verify("Correct horse")) << scheme;
        EXPECT_FALSE(stored->verify("correct")) << scheme;
        EXPECT_FALSE(stored->verify("")) << scheme;
    }
}

TEST(StoredPassword, SchemeNamesAreCaseInsensitive) {
    const auto stored = parse_or_report(make_stored_password("ssha512", "secret"));
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->scheme(), StoredPassword::Scheme::salted_sha512);
    EXPECT_TRUE(stored->verify("secret"));
}

TEST(StoredPassword, SaltsDiffer) {
    EXPECT_NE(make_stored_password("SSHA256", "secret"), make_stored_password("SSHA256", "secret"));
    EXPECT_NE(make_stored_password("SHA512-CRYPT", "secret"), make_stored_password("SHA512-CRYPT", "secret"));
}

struct KnownHash {
    std::string stored;
    std::string password;
};

TEST(StoredPassword, VerifiesHashesMadeElsewhere) {
    // The crypt hashes come from `openssl passwd -6` and `-5` (OpenSSL 3.0)
    // with the salt "saltsalt". Each salted SHA-2 value is the base64 of
    // SHA-2(password + "NaCl1234") followed by that salt, computed with
    // Python's hashlib.
    const std::vector<KnownHash> hashes{
        {"{SHA512-CRYPT}$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/"
         "uamSo5z0",
         "correct horse"},
        {"{SHA256-CRYPT}$5$saltsalt$myjXcpMpE2Ofk7fj9hqyNYSn6lmWG4Mqnjx.KIRRr4/", "correct horse"},
        {"{SSHA256}U+kc1alrfU/YkBSrUMVgRVRSDIXIhJKFdZfdaHQ8IbROYUNsMTIzNA==", "correct horse"},
        {"{SSHA512}UcgUMQCoyOq39//KJeZNFoQ73BzEEkkNZ2T69j+OCt7PoOjJm64Lb57Zx6uRq4trGJ8K7NSDqjle2Iy1ZZ0K4E5hQ2wxMjM0",
         "correct horse"},
        {"{PLAIN}correct horse", "correct horse"},
        {"{CLEAR}correct horse", "correct horse"},
        {"{cleartext}correct horse", "correct horse"},
    };
    for (const auto& hash : hashes) {
        const auto stored = parse_or_report(hash.stored);
        ASSERT_TRUE(stored.has_value());
        EXPECT_TRUE(stored->verify(hash.password)) << hash.stored;
        EXPECT_FALSE(stored->verify("wrong horse")) << hash.stored;
    }
}

TEST(StoredPassword, CramMd5ContextMatchesPlainDigest) {
    const std::string challenge = "<4711.1700000000@provider.example>";
    // The last password is longer than the 64-byte HMAC block, so HMAC uses
    // its MD5 digest as the key.
    const std::vector<std::string> passwords{"secret", "x", "tanstaaftanstaaf", std::string(100, 'k')};
    for (const auto& password : passwords) {
        const auto plain = parse_or_report("{PLAIN}" + password);
        const auto context = parse_or_report(make_stored_password("CRAM-MD5", password));
        ASSERT_TRUE(plain.has_value());
        ASSERT_TRUE(context.has_value());

        const auto plain_digest = plain->cram_md5_digest(challenge);
        const auto context_digest = context->cram_md5_digest(challenge);
        ASSERT_TRUE(plain_digest.has_value());
        ASSERT_TRUE(context_digest.has_value());
        EXPECT_EQ(*context_digest, *plain_digest) << "password of " << password.size() << " bytes";
    }
}

TEST(StoredPassword, CramMd5ContextAnswersRfc2195Example) {
    const auto stored = parse_or_report(make_stored_password("CRAM-MD5", "tanstaaftanstaaf"));
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->cram_md5_digest("<1896.697170952@postoffice.reston.mci.net>"),
              "b913a602c7eda7a495b4e6e7334d3890");
}

TEST(StoredPassword, CramMd5ContextFormat) {
    const std::string stored = make_stored_password("CRAM-MD5", "secret");
    ASSERT_TRUE(stored.starts_with("{CRAM-MD5}"));
    const std::string digits = stored.substr(10);
    EXPECT_EQ(digits.size(), 64u);
    EXPECT_EQ(digits.find_first_not_of("0123456789abcdef"), std::string::npos) << digits;
}

TEST(StoredPassword, UpperCaseHexContextParses) {
    std::string stored = make_stored_password("CRAM-MD5", "secret");
    for (std::size_t i = 10; i < stored.size(); ++i) stored[i] = static_cast<char>(std::toupper(stored[i]));
    const auto parsed = parse_or_report(stored);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_TRUE(parsed->verify("secret"));
}

TEST(StoredPassword, CramMd5SupportByScheme) {
    for (const auto& scheme : made_schemes) {
        const auto stored = parse_or_report(make_stored_password(scheme, "secret"));
        ASSERT_TRUE(stored.has_value());
        const bool expected = scheme == "PLAIN" || scheme == "CRAM-MD5";
        EXPECT_EQ(stored->supports_cram_md5(), expected) << scheme;
        EXPECT_EQ(stored->cram_md5_digest("<1.2@x>").has_value(), expected) << scheme;
    }
}

struct BadStoredCase {
    std::string text;
    std::string secret;    // the part that must not appear in the error
    std::string expected;  // a part of the error
};

TEST(StoredPassword, ParseErrorsOmitSecret) {
    const std::vector<BadStoredCase> cases{
        {"hunter2xyz", "hunter2xyz", "no scheme prefix"},
        {"{PLAINhunter2xyz", "hunter2xyz", "no closing '}'"},
        {"{CRAM-MD5}hunter2xyz", "hunter2xyz", "64 hexadecimal digits"},
        {"{CRAM-MD5}" + std::string(62, 'a') + "zz", std::string(62, 'a'), "64 hexadecimal digits"},
        {"{CRAM-MD5}" + std::string(66, 'a'), std::string(66, 'a'), "64 hexadecimal digits"},
        {"{SHA512-CRYPT}hunter2xyz", "hunter2xyz", "crypt(3) hash"},
        {"{BLF-CRYPT}$2", "$2", "crypt(3) hash"},
        {"{SSHA256}hunter2xyz!", "hunter2xyz", "base64"},
        {"{SSHA512}aHVudGVyMnh5eg==", "aHVudGVyMnh5eg", "base64"},
        {"{ROT13}hunter2xyz", "hunter2xyz", "unknown password scheme {ROT13}"},
    };
    for (const auto& test_case : cases) {
        std::string error;
        const auto stored = StoredPassword::parse(test_case.text, error);
        EXPECT_FALSE(stored.has_value()) << test_case.text;
        EXPECT_NE(error.find(test_case.expected), std::string::npos) << error;
        EXPECT_EQ(error.find(test_case.secret), std::string::npos) << error;
    }
}

TEST(StoredPassword, SaltedHashWithoutSaltRejected) {
    // 32 bytes are a bare SHA-256 digest: an {SSHA256} value needs a salt
    // after it.
    std::string error;
    const std::string digest_only = "{SSHA256}" + std::string(43, 'A') + "=";
    EXPECT_FALSE(StoredPassword::parse(digest_only, error).has_value());
    EXPECT_NE(error.find("followed by a salt"), std::string::npos) << error;
}

TEST(StoredPassword, DamagedCryptHashVerifiesNothing) {
    const auto stored = parse_or_report("{SHA512-CRYPT}$6$saltsalt$damaged");
    ASSERT_TRUE(stored.has_value());
    EXPECT_FALSE(stored->verify("correct horse"));
    EXPECT_FALSE(stored->verify(""));
}

TEST(StoredPassword, EmptyPasswordRejected) {
    // The CRAM-MD5 context and the salted digest are those of the empty
    // password, so only the check of the value can find them.
    const std::vector<std::string> empty{
        "{PLAIN}",
        "{CRAM-MD5}00747cf2ffaf11c5ea4a64979c3901fc1d20dee13f480bb598f7d8575b23e61b",
        "{SSHA256}dm7c2HK8BhUWriyM0ndz5EZumWHM9wQdtOYRGOhqZXxzYWx0c2FsdA==",
    };
    for (const auto& text : empty) {
        std::string error;
        EXPECT_FALSE(StoredPassword::parse(text, error).has_value()) << text;
        EXPECT_NE(error.find("the password is empty"), std::string::npos) << error;
    }
}

TEST(MakeStoredPassword, EmptyPasswordRejected) {
    for (const char* scheme : {"PLAIN", "CRAM-MD5", "SHA512-CRYPT", "SSHA256"}) {
        EXPECT_THROW(make_stored_password(scheme, ""), std::invalid_argument) << scheme;
    }
}

TEST(MakeStoredPassword, UnknownSchemeOmitsSecret) {
    try {
        make_stored_password("ROT13", "hunter2xyz");
        FAIL() << "an unknown scheme was accepted";
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("ROT13"), std::string::npos) << message;
        EXPECT_EQ(message.find("hunter2xyz"), std::string::npos) << message;
    }
}

TEST(EqualInConstantTime, Cases) {
    EXPECT_TRUE(equal_in_constant_time("abc", "abc"));
    EXPECT_TRUE(equal_in_constant_time("", ""));
    EXPECT_FALSE(equal_in_constant_time("abc", "abd"));
    EXPECT_FALSE(equal_in_constant_time("abc", "abcd"));
}

}  // namespace
}  // namespace odmr
