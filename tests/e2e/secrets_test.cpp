// No password and no AUTH payload may reach a log line. The test runs
// every way a password travels (CRAM-MD5 through fetchmail, PLAIN and LOGIN
// over TLS, wrong passwords, the ETRN password form) and then searches
// every log of the run for the secrets.
#include <gtest/gtest.h>

#include "smtp/base64.hpp"
#include "smtp/sasl.hpp"
#include "tests/e2e/etrn_fixture.hpp"
#include "tests/harness/child_process.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

class Secrets : public EtrnFixture {};

TEST_F(Secrets, NoPasswordInAnyLog) {
    std::string output;
    ASSERT_EQ(run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                           "/CN=provider.test", "-keyout", directory_.file("key.pem"), "-out",
                           directory_.file("certificate.pem")},
                          output),
              0)
        << output;
    start_etrn(
        [](const std::string& fixed) {
            return std::vector<std::string>{"example.com etrn_address=" + fixed + " etrn_require_password=yes"};
        },
        {"alice {PLAIN}Plain-Secret-1 example.com", "bob " + hash_password("SHA512-CRYPT", "Crypt-Secret-2") + " example.com"},
        {"tls_certificate_file = " + directory_.file("certificate.pem"), "tls_key_file = " + directory_.file("key.pem"),
         "auth_failure_delay = 10", "verbose = yes"});
    hold_message({"one@example.com"}, "first");

    // CRAM-MD5, right and wrong, through fetchmail.
    EXPECT_NE(fetch("alice", "Wrong-Secret-3", "example.com").status, 0);
    EXPECT_EQ(fetch("alice", "Plain-Secret-1", "example.com").status, 0);
    ASSERT_TRUE(customer_->wait_for_delivered(1, 20s));

    // PLAIN and LOGIN over TLS, right and wrong.
    const std::string plain_payload = base64_encode(sasl_plain_client_message("bob", "Crypt-Secret-2"));
    const std::string wrong_payload = base64_encode(sasl_plain_client_message("bob", "Wrong-Secret-4"));
    for (const auto& payload : {wrong_payload, plain_payload}) {
        ScriptedClient client(odmrd_->port());
        ASSERT_EQ(client.read_reply().code, 220);
        ASSERT_EQ(client.command("EHLO client.test").code, 250);
        ASSERT_EQ(client.command("STARTTLS").code, 220);
        client.start_tls();
        ASSERT_EQ(client.command("EHLO client.test").code, 250);
        client.command("AUTH PLAIN " + payload);
    }
    {
        ScriptedClient client(odmrd_->port());
        ASSERT_EQ(client.read_reply().code, 220);
        ASSERT_EQ(client.command("EHLO client.test").code, 250);
        ASSERT_EQ(client.command("STARTTLS").code, 220);
        client.start_tls();
        ASSERT_EQ(client.command("EHLO client.test").code, 250);
        ASSERT_EQ(client.command("AUTH LOGIN").code, 334);
        ASSERT_EQ(client.command(base64_encode("bob")).code, 334);
        EXPECT_EQ(client.command(base64_encode("Crypt-Secret-2")).code, 235);
    }

    // The ETRN password form, right and wrong.
    hold_message({"two@example.com"}, "second");
    auto etrn = etrn_client(etrn_port());
    EXPECT_EQ(etrn->command("ETRN example.com Wrong-Secret-5").code, 459);
    EXPECT_EQ(etrn->command("ETRN example.com Crypt-Secret-2").code, 253);
    ASSERT_TRUE(customer_->wait_for_delivered(2, 20s));
    ASSERT_TRUE(odmrd_->wait_for_log("session=etrn end:", 20s));

    const std::string logs = odmrd_->log() + provider_->log() + customer_->log();
    // Named, because a temporary inside the list below would be destroyed
    // before the loop reads its characters.
    const std::string crypt_payload = base64_encode("Crypt-Secret-2");
    for (const std::string secret : {"Plain-Secret-1", "Crypt-Secret-2", "Wrong-Secret-3", "Wrong-Secret-4",
                                     "Wrong-Secret-5", plain_payload.c_str(), wrong_payload.c_str(),
                                     crypt_payload.c_str()}) {
        EXPECT_EQ(logs.find(secret), std::string::npos) << "found in the logs: " << secret;
    }
    EXPECT_NE(odmrd_->log().find("authentication failed"), std::string::npos) << "the run logged no failure at all";
}

}  // namespace
}  // namespace odmr::test
