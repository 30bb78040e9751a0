// The client side towards a provider, shared by ETRN and ATRN jobs:
// connecting, TLS (implicit, or STARTTLS as the job's options set it), EHLO
// with the HELO fallback, and SASL login.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "shim/job_result.hpp"
#include "shim/jobs_table.hpp"
#include "smtp/capabilities.hpp"
#include "smtp/connection.hpp"

namespace odmr {

struct ProviderSession {
    std::unique_ptr<Connection> connection;
    Capabilities capabilities;  // from the last EHLO; empty after HELO
    bool extended = false;      // EHLO worked
    std::string address;        // the provider's address on this connection
    std::uint16_t port = 0;
    Deadline session_deadline = Deadline::never();
    Seconds command_timeout{300};

    // The deadline for the next reply: the command timeout, bounded by the
    // session's.
    Deadline reply_deadline() const {
        return Deadline::earliest(Deadline::after(command_timeout), session_deadline);
    }

    // "mx2.provider.example[192.0.2.1]:366", the provider= field of log lines.
    std::string relay_name;
};

// Connects to the job's provider, reads its greeting and introduces this
// host, with TLS as the job's options set it. Throws JobFailure.
ProviderSession open_provider_session(const Job& job);

// Logs in with the first mechanism of the job's list that the provider
// offers; PLAIN and LOGIN only under TLS. Throws JobFailure: permanent for
// rejected credentials or no usable mechanism, transient for a 4xx.
void authenticate(ProviderSession& session, const Job& job);

// Sends QUIT and closes, ignoring failures: the job's result is decided.
void quit_provider(ProviderSession& session);

}  // namespace odmr
