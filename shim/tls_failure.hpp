// Explains a failed TLS handshake with a provider in the admin's terms:
// why OpenSSL rejected it and which setting or job field fixes it.
#pragma once

#include <string>

#include "shim/jobs_table.hpp"
#include "smtp/tls.hpp"

namespace odmr {

struct TlsFailure {
    std::string message;  // the text after "TLS with PROVIDER failed: "
    bool permanent = false;  // the next try fails the same way unless the admin or the provider acts
};

// The certificate must name the provider's host as the job writes it.
TlsFailure explain_tls_failure(const TlsHandshakeError& error, const Job& job);

}  // namespace odmr
