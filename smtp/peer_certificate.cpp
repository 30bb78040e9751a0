#include "smtp/peer_certificate.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/x509v3.h>

#include <memory>

namespace odmr {

namespace {

using BioPointer = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::string time_text(const ASN1_TIME* time) {
    BioPointer bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || time == nullptr || ASN1_TIME_print(bio.get(), time) != 1) return {};
    return bio_text(bio.get());
}

std::string name_text(const X509_NAME* name) {
    BioPointer bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || name == nullptr || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) < 0) {
        return {};
    }
    return bio_text(bio.get());
}

std::string ip_text(const ASN1_OCTET_STRING* address) {
    char text[INET6_ADDRSTRLEN] = {};
    const int length = ASN1_STRING_length(address);
    int family = AF_INET;
    if (length == 16) family = AF_INET6;
    else if (length != 4) return {};
    if (inet_ntop(family, ASN1_STRING_get0_data(address), text, sizeof text) == nullptr) return {};
    return text;
}

std::vector<std::string> alternative_names(X509* certificate) {
    std::vector<std::string> names;
    auto* general_names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    if (general_names == nullptr) return names;

    for (int i = 0; i < sk_GENERAL_NAME_num(general_names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(general_names, i);
        std::string text;
        if (name->type == GEN_DNS) {
            text.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                        static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
        } else if (name->type == GEN_IPADD) {
            text = ip_text(name->d.iPAddress);
        }
        if (!text.empty()) names.push_back(std::move(text));
    }
    GENERAL_NAMES_free(general_names);
    return names;
}

}  // namespace

PeerCertificate describe_certificate(X509* certificate) {
    PeerCertificate result;
    if (certificate == nullptr) return result;

    // The CN is listed only without a subjectAltName, because clients then
    // ignore it (RFC 6125 section 6.4.4).
    result.names = alternative_names(certificate);
    if (result.names.empty()) {
        char common_name[256] = {};
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, common_name,
                                      sizeof common_name) > 0) {
            result.names.emplace_back(common_name);
        }
    }

    result.issuer = name_text(X509_get_issuer_name(certificate));
    result.not_before = time_text(X509_get0_notBefore(certificate));
    result.not_after = time_text(X509_get0_notAfter(certificate));
    return result;
}

}  // namespace odmr
