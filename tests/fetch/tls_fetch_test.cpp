// TLS towards the provider: odmrd with a certificate made for the test,
// STARTTLS as each job asks, and PLAIN only under TLS.
#include "smtp/text.hpp"
#include "tests/fetch/fetch_fixture.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

constexpr int exit_permanent_failure = 1;

class TlsFetch : public FetchFixture {
protected:
    // Makes a self-signed certificate for "localhost" and starts odmrd with
    // STARTTLS.
    void start_with_tls() {
        certificate_ = directory_.file("provider-certificate.pem");
        const std::string key = directory_.file("provider-key.pem");
        std::string output;
        const int status = run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                                        "-out", certificate_, "-days", "2", "-subj", "/CN=localhost", "-addext",
                                        "subjectAltName=DNS:localhost"},
                                       output);
        ASSERT_EQ(status, 0) << output;

        OdmrdOptions options;
        options.settings = {"tls_certificate_file = " + certificate_, "tls_key_file = " + key};
        start_atrn(options);
    }

    std::string job(const std::string& host, const std::string& options) const {
        return atrn_job_line("secure", host, odmrd_->port(), "example.com;alice:alice-secret", relay_port_, options);
    }

    std::string certificate_;
};

TEST_F(TlsFetch, VerifiedStartTlsAllowsPlain) {
    start_with_tls();
    hold_message({"a@example.com"}, "over TLS");
    fetch_->write_jobs({job("localhost", "tls=required tls_verify=yes tls_ca_file=" + certificate_ +
                                         " auth_mechanisms=PLAIN")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("secure: TLS with localhost[127.0.0.1]:"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("login=alice authenticated with PLAIN"), std::string::npos) << run.output;
    EXPECT_TRUE(customer_->wait_for_delivered(1, 20s)) << customer_->log();
    EXPECT_EQ(run.output.find("alice-secret"), std::string::npos) << "a password reached the log";
}

TEST_F(TlsFetch, CertificateForAnotherNameFails) {
    start_with_tls();
    hold_message({"a@example.com"}, "stays");
    fetch_->write_jobs({job("127.0.0.1", "tls=required tls_verify=yes tls_ca_file=" + certificate_)});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_permanent_failure) << run.output;
    EXPECT_NE(run.output.find("certificate verify failed"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("set tls_ca_file to the provider's CA, or tls_verify=no"), std::string::npos)
        << run.output;
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

TEST_F(TlsFetch, RequiredTlsNotOfferedFails) {
    start_atrn();
    fetch_->write_jobs({job("127.0.0.1", "tls=required")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_permanent_failure) << run.output;
    EXPECT_NE(run.output.find("does not offer STARTTLS, which tls=required demands"), std::string::npos) << run.output;
}

TEST_F(TlsFetch, PlainNeverWithoutTls) {
    // odmrd offers PLAIN and LOGIN in clear here, which it does only when
    // told to; odmr-fetch still must not use them.
    OdmrdOptions options;
    options.settings = {"allow_plaintext_auth = yes"};
    start_atrn(options);
    fetch_->write_jobs({job("127.0.0.1", "tls=none auth_mechanisms=PLAIN,LOGIN")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_permanent_failure) << run.output;
    EXPECT_NE(run.output.find("offers AUTH CRAM-MD5 PLAIN LOGIN, and none of them is usable with auth_mechanisms "
                              "without TLS"),
              std::string::npos)
        << run.output;
}

}  // namespace
}  // namespace odmr::test
