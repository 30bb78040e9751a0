// TLS towards the provider: odmrd with a certificate made for the test,
// STARTTLS as each job's options set it, and PLAIN only under TLS.
#include "smtp/base64.hpp"
#include "smtp/text.hpp"
#include "smtp/tls.hpp"
#include "tests/fetch/fetch_fixture.hpp"
#include "tests/fetch/scripted_server.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

constexpr int exit_permanent_failure = 1;

class TlsFetch : public FetchFixture {
protected:
    // Makes a self-signed certificate for "localhost".
    void make_certificate() {
        certificate_ = directory_.file("provider-certificate.pem");
        key_ = directory_.file("provider-key.pem");
        std::string output;
        const int status = run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key_,
                                        "-out", certificate_, "-days", "2", "-subj", "/CN=localhost", "-addext",
                                        "subjectAltName=DNS:localhost"},
                                       output);
        ASSERT_EQ(status, 0) << output;
    }

    // Starts odmrd with STARTTLS and that certificate.
    void start_with_tls() {
        make_certificate();
        OdmrdOptions options;
        options.settings = {"tls_certificate_file = " + certificate_, "tls_key_file = " + key_};
        start_atrn(options);
    }

    std::string job(const std::string& host, const std::string& options) const {
        return atrn_job_line("secure", host, odmrd_->port(), "example.com;alice:alice-secret", relay_port_, options);
    }

    std::string certificate_;
    std::string key_;
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
    EXPECT_NE(run.output.find("the provider's certificate does not name 127.0.0.1 (it names localhost); connect by "
                              "the name in the certificate, writing localhost as the provider in " +
                              fetch_->jobs_file() + ", line 2, or set tls_verify=no for this job"),
              std::string::npos)
        << run.output;
    EXPECT_EQ(run.output.find("set tls_ca_file"), std::string::npos) << "the CA file is right here" << run.output;
    EXPECT_EQ(provider_->queued_recipients(), 1u);
}

TEST_F(TlsFetch, SelfSignedNeedsCaFile) {
    // Without tls_ca_file the system's store checks the certificate, and it
    // does not contain the test's self-signed one.
    start_with_tls();
    fetch_->write_jobs({job("localhost", "tls=required tls_verify=yes")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_permanent_failure) << run.output;
    EXPECT_NE(run.output.find("the provider's certificate is self-signed and is not in the system's CA certificates "
                              "(tls_ca_file is not set); set tls_ca_file to a PEM copy of that certificate"),
              std::string::npos)
        << run.output;
}

TEST_F(TlsFetch, ImplicitTlsOnStartTlsPortGetsHint) {
    // A plain SMTP greeting where the TLS handshake's first reply belongs.
    start_customer();
    ScriptedServer provider([&](Connection& connection) {
        connection.send_reply(220, "fake.provider ESMTP");
        connection.flush(Deadline::after(Seconds(5)));
        try {
            while (true) connection.read_line(Deadline::after(Seconds(10)));
        } catch (const std::exception&) {
            // odmr-fetch gave up on the handshake and closed the connection,
            // or its handshake bytes were no SMTP line.
        }
    });
    fetch_->write_jobs({atrn_job_line("implicit", "localhost", provider.port(), "example.com;alice:alice-secret",
                                      relay_port_, "tls=implicit tls_verify=no")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_permanent_failure) << run.output;
    EXPECT_NE(run.output.find(concat("the provider does not speak TLS from the first byte on port ", provider.port(),
                                     "; use tls=required for STARTTLS")),
              std::string::npos)
        << run.output;
    EXPECT_TRUE(provider.wait_done(20s));
}

TEST_F(TlsFetch, RequiredTlsNotOfferedFails) {
    start_atrn();
    fetch_->write_jobs({job("127.0.0.1", "tls=required")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, exit_permanent_failure) << run.output;
    EXPECT_NE(run.output.find("does not offer STARTTLS, which tls=required demands"), std::string::npos) << run.output;
}

TEST_F(TlsFetch, PlainNeverWithoutTls) {
    // odmrd offers PLAIN and LOGIN in clear only with allow_plaintext_auth,
    // and odmr-fetch still must not use them.
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

TEST_F(TlsFetch, ImplicitTlsFromFirstByte) {
    // odmrd has no implicit-TLS port, so a scripted provider plays one: TLS
    // first, then the session up to a 453.
    make_certificate();
    start_customer();
    const auto context = TlsContext::server(certificate_, key_);
    std::string tls_description;
    ScriptedServer provider([&](Connection& connection) {
        const Deadline soon = Deadline::after(Seconds(30));
        connection.start_tls(*context, TlsStream::Role::server, {}, soon);
        tls_description = connection.tls_description();
        connection.send_reply(220, "fake.provider ESMTP");
        read_command(connection, "EHLO");
        connection.send_reply(250, "fake.provider\nAUTH CRAM-MD5\nATRN");
        read_command(connection, "AUTH CRAM-MD5");
        connection.send_reply(334, base64_encode("<1.2@fake.provider>"));
        connection.read_line(soon);
        connection.send_reply(235, "2.7.0 Authentication successful");
        read_command(connection, "ATRN");
        connection.send_reply(453, "You have no mail");
        read_command(connection, "QUIT");
        connection.send_reply(221, "2.0.0 Bye");
        connection.flush(soon);
    });
    fetch_->write_jobs({atrn_job_line("implicit", "localhost", provider.port(), "example.com;alice:alice-secret",
                                      relay_port_, "tls=implicit tls_verify=yes tls_ca_file=" + certificate_)});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    ASSERT_TRUE(provider.wait_done(10s));
    EXPECT_EQ(provider.error(), "");
    EXPECT_NE(tls_description.find("TLSv1."), std::string::npos);
    EXPECT_NE(run.output.find("implicit: TLS with localhost[127.0.0.1]:"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("453 You have no mail (no mail waiting)"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace odmr::test
