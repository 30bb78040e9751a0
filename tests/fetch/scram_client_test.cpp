// SCRAM-SHA-256 against the example exchange of RFC 7677 section 3, and
// servers that misbehave.
#include <gtest/gtest.h>

#include "shim/scram_client.hpp"

namespace odmr {
namespace {

constexpr const char* server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

TEST(ScramSha256, Rfc7677Example) {
    ScramSha256Client client("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    EXPECT_EQ(client.first_message(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");

    std::string error;
    const auto final_message = client.final_message(server_first, error);
    ASSERT_TRUE(final_message) << error;
    EXPECT_EQ(*final_message, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                              "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    EXPECT_TRUE(client.verify_server("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
}

TEST(ScramSha256, WrongServerSignature) {
    ScramSha256Client client("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    std::string error;
    ASSERT_TRUE(client.final_message(server_first, error));
    EXPECT_FALSE(client.verify_server("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
    EXPECT_FALSE(client.verify_server("e=other-error"));
}

TEST(ScramSha256, ServerNonceMustExtendOurs) {
    ScramSha256Client client("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    std::string error;
    EXPECT_FALSE(client.final_message("r=someone-else,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", error));
    EXPECT_EQ(error, "the server's nonce does not start with the client's nonce");
    EXPECT_FALSE(client.final_message("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", error));
}

TEST(ScramSha256, BadIterationsAndExtensions) {
    ScramSha256Client client("user", "pencil", "abc");
    std::string error;
    EXPECT_FALSE(client.final_message("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", error));
    EXPECT_FALSE(client.final_message("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999", error));
    EXPECT_FALSE(client.final_message("m=ext,r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", error));
    EXPECT_FALSE(client.final_message("r=abcdef,i=4096", error));
}

TEST(ScramSha256, NamesAreEscaped) {
    ScramSha256Client client("a=b,c", "x", "nonce");
    EXPECT_EQ(client.first_message(), "n,,n=a=3Db=2Cc,r=nonce");
}

TEST(ScramSha256, RandomNonceDiffers) {
    EXPECT_NE(ScramSha256Client("u", "p").first_message(), ScramSha256Client("u", "p").first_message());
}

}  // namespace
}  // namespace odmr
