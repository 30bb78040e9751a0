// The names, issuer and validity of a TLS peer's certificate, for messages
// that explain why it was rejected.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <vector>

namespace odmr {

struct PeerCertificate {
    std::vector<std::string> names;  // the subjectAltName DNS and IP entries, or the CN without them
    std::string issuer;              // "CN=Example CA, O=Example"
    std::string not_before;          // "Jun  1 00:00:00 2025 GMT"
    std::string not_after;
};

// Reads the names, issuer and validity of a certificate. Returns an empty
// result for nullptr.
PeerCertificate describe_certificate(X509* certificate);

}  // namespace odmr
