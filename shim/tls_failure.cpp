#include "shim/tls_failure.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "smtp/text.hpp"

namespace odmr {

namespace {

constexpr std::string_view verify_off = "or set tls_verify=no for this job";

std::string list_of(const std::vector<std::string>& names) {
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) text += i + 1 == names.size() ? " and " : ", ";
        text += printable(names[i], 100);
    }
    return text;
}

// "tls_ca_file /etc/odmr/provider-ca.pem" or the system store.
std::string trust_store(const Job& job) {
    if (job.options.tls_ca_file.empty()) return "the system's CA certificates (tls_ca_file is not set)";
    return concat("tls_ca_file ", job.options.tls_ca_file);
}

std::string name_mismatch(const PeerCertificate& certificate, const Job& job) {
    const std::string host = job.provider_host;
    if (certificate.names.empty()) {
        return concat("the provider's certificate names no host, so it cannot name ", host,
                      "; ask the provider for a certificate with its host name, ", verify_off);
    }
    return concat("the provider's certificate does not name ", host, " (it names ", list_of(certificate.names),
                  "); connect by the name in the certificate, writing ", printable(certificate.names.front(), 100),
                  " as the provider in ", job.file, ", line ", job.line, ", ", verify_off);
}

std::string unknown_issuer(const PeerCertificate& certificate, const Job& job) {
    return concat("the provider's certificate is issued by ", printable(certificate.issuer, 200),
                  ", which is not in ", trust_store(job), "; set tls_ca_file to the PEM file of that CA's certificate, ",
                  verify_off);
}

std::string self_signed(const Job& job, bool leaf) {
    if (leaf) {
        return concat("the provider's certificate is self-signed and is not in ", trust_store(job),
                      "; set tls_ca_file to a PEM copy of that certificate, ", verify_off);
    }
    return concat("the provider's certificate chain ends in a self-signed CA certificate that is not in ",
                  trust_store(job), "; set tls_ca_file to a PEM copy of that CA certificate, ", verify_off);
}

std::string validity(const PeerCertificate& certificate) {
    if (certificate.not_before.empty() || certificate.not_after.empty()) return "";
    return concat(" (the provider's own certificate is valid from ", certificate.not_before, " to ",
                  certificate.not_after, ")");
}

}  // namespace

TlsFailure explain_tls_failure(const TlsHandshakeError& error, const Job& job) {
    if (error.reason() == SSL_R_WRONG_VERSION_NUMBER && job.options.tls == TlsMode::implicit) {
        return {concat(error.what(), "; the provider does not speak TLS from the first byte on port ", job.provider_port,
                       "; use tls=required for STARTTLS"),
                true};
    }
    if (!error.certificate_rejected()) return {error.what(), false};

    const PeerCertificate& certificate = error.certificate();
    const std::string openssl = concat(" (OpenSSL: ", X509_verify_cert_error_string(error.verify_result()), ")");
    switch (error.verify_result()) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return {name_mismatch(certificate, job) + openssl, true};
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return {unknown_issuer(certificate, job) + openssl, true};
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return {self_signed(job, true) + openssl, true};
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        return {self_signed(job, false) + openssl, true};
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return {concat("the provider's certificate or one of its CA certificates has expired", validity(certificate),
                       "; ask the provider to renew it, and check that this host's clock is right", openssl),
                true};
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return {concat("the provider's certificate or one of its CA certificates is not valid yet", validity(certificate),
                       "; check that this host's clock is right, or ask the provider", openssl),
                true};
    default:
        return {concat("the provider's certificate failed verification", openssl, "; set tls_ca_file to the provider's "
                       "CA, ", verify_off),
                true};
    }
}

}  // namespace odmr
