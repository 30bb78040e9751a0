// The explanations of failed TLS handshakes with a provider: each common
// verify result gets its cause and fix, and implicit TLS against a
// STARTTLS port gets a hint.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "shim/tls_failure.hpp"

namespace odmr {
namespace {

constexpr const char* openssl_message =
    "TLS failed while in the TLS handshake: error:0A000086:SSL routines::certificate verify failed";

Job provider_job(const std::string& host) {
    Job job;
    job.name = "office";
    job.provider_host = host;
    job.provider_port = 366;
    job.file = "/etc/odmr/fetch-jobs";
    job.line = 20;
    job.options.tls = TlsMode::required;
    return job;
}

PeerCertificate provider_certificate() {
    PeerCertificate certificate;
    certificate.names = {"provider.test", "mx.provider.test"};
    certificate.issuer = "CN = Provider CA";
    certificate.not_before = "Jun  1 00:00:00 2025 GMT";
    certificate.not_after = "Jun  1 00:00:00 2026 GMT";
    return certificate;
}

TlsFailure rejected(long verify_result, const Job& job, PeerCertificate certificate = provider_certificate()) {
    const TlsHandshakeError error(openssl_message, SSL_R_CERTIFICATE_VERIFY_FAILED, verify_result,
                                  std::move(certificate));
    return explain_tls_failure(error, job);
}

TEST(TlsFailure, AddressNotInCertificate) {
    const TlsFailure failure = rejected(X509_V_ERR_IP_ADDRESS_MISMATCH, provider_job("127.0.0.1"));

    EXPECT_TRUE(failure.permanent);
    EXPECT_EQ(failure.message,
              "the provider's certificate does not name 127.0.0.1 (it names provider.test and mx.provider.test); "
              "connect by the name in the certificate, writing provider.test as the provider in /etc/odmr/fetch-jobs, "
              "line 20, or set tls_verify=no for this job (OpenSSL: IP address mismatch)");
}

TEST(TlsFailure, HostNotInCertificate) {
    const TlsFailure failure = rejected(X509_V_ERR_HOSTNAME_MISMATCH, provider_job("mail.example"));

    EXPECT_TRUE(failure.permanent);
    EXPECT_NE(failure.message.find("the provider's certificate does not name mail.example (it names provider.test "
                                   "and mx.provider.test)"),
              std::string::npos)
        << failure.message;
    EXPECT_NE(failure.message.find("(OpenSSL: hostname mismatch)"), std::string::npos) << failure.message;
}

TEST(TlsFailure, CertificateWithoutNames) {
    const TlsFailure failure = rejected(X509_V_ERR_HOSTNAME_MISMATCH, provider_job("mail.example"), PeerCertificate{});

    EXPECT_NE(failure.message.find("the provider's certificate names no host, so it cannot name mail.example; ask the "
                                   "provider for a certificate with its host name, or set tls_verify=no"),
              std::string::npos)
        << failure.message;
}

TEST(TlsFailure, UnknownIssuerNamesTheStore) {
    Job job = provider_job("provider.test");
    EXPECT_EQ(rejected(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, job).message,
              "the provider's certificate is issued by CN = Provider CA, which is not in the system's CA certificates "
              "(tls_ca_file is not set); set tls_ca_file to the PEM file of that CA's certificate, or set "
              "tls_verify=no for this job (OpenSSL: unable to get local issuer certificate)");

    job.options.tls_ca_file = "/etc/odmr/other-ca.pem";
    EXPECT_NE(rejected(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, job).message.find(
                  "which is not in tls_ca_file /etc/odmr/other-ca.pem; set tls_ca_file"),
              std::string::npos);
}

TEST(TlsFailure, SelfSigned) {
    const Job job = provider_job("provider.test");

    const TlsFailure own = rejected(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, job);
    EXPECT_TRUE(own.permanent);
    EXPECT_EQ(own.message,
              "the provider's certificate is self-signed and is not in the system's CA certificates (tls_ca_file is "
              "not set); set tls_ca_file to a PEM copy of that certificate, or set tls_verify=no for this job "
              "(OpenSSL: self-signed certificate)");

    const TlsFailure chain = rejected(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, job);
    EXPECT_NE(chain.message.find("the provider's certificate chain ends in a self-signed CA certificate"),
              std::string::npos)
        << chain.message;
}

TEST(TlsFailure, ExpiredAndNotYetValid) {
    const Job job = provider_job("provider.test");

    const TlsFailure expired = rejected(X509_V_ERR_CERT_HAS_EXPIRED, job);
    EXPECT_TRUE(expired.permanent);
    EXPECT_EQ(expired.message,
              "the provider's certificate or one of its CA certificates has expired (the provider's own certificate "
              "is valid from Jun  1 00:00:00 2025 GMT to Jun  1 00:00:00 2026 GMT); ask the provider to renew it, and "
              "check that this host's clock is right (OpenSSL: certificate has expired)");

    const TlsFailure early = rejected(X509_V_ERR_CERT_NOT_YET_VALID, job);
    EXPECT_NE(early.message.find("is not valid yet (the provider's own certificate is valid from"), std::string::npos)
        << early.message;
    EXPECT_NE(early.message.find("check that this host's clock is right"), std::string::npos) << early.message;
}

TEST(TlsFailure, OtherVerifyResult) {
    const TlsFailure failure = rejected(X509_V_ERR_CERT_REVOKED, provider_job("provider.test"));

    EXPECT_TRUE(failure.permanent);
    EXPECT_EQ(failure.message,
              "the provider's certificate failed verification (OpenSSL: certificate revoked); set tls_ca_file to the "
              "provider's CA, or set tls_verify=no for this job");
}

TEST(TlsFailure, ImplicitTlsOnStartTlsPort) {
    Job job = provider_job("provider.test");
    job.options.tls = TlsMode::implicit;
    const TlsHandshakeError error(
        "TLS failed while in the TLS handshake: error:0A00010B:SSL routines::wrong version number",
        SSL_R_WRONG_VERSION_NUMBER, X509_V_OK, PeerCertificate{});

    const TlsFailure failure = explain_tls_failure(error, job);

    EXPECT_TRUE(failure.permanent);
    EXPECT_EQ(failure.message,
              "TLS failed while in the TLS handshake: error:0A00010B:SSL routines::wrong version number; the provider "
              "does not speak TLS from the first byte on port 366; use tls=required for STARTTLS");
}

TEST(TlsFailure, OtherHandshakeErrorsMayPass) {
    const TlsHandshakeError error("TLS failed while in the TLS handshake: error:0A000410:SSL routines::sslv3 alert "
                                  "handshake failure",
                                  SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE, X509_V_OK, PeerCertificate{});

    const TlsFailure failure = explain_tls_failure(error, provider_job("provider.test"));

    EXPECT_FALSE(failure.permanent);
    EXPECT_EQ(failure.message, error.what());
}

}  // namespace
}  // namespace odmr
