// The options of a download job: TLS towards the provider, SASL mechanisms,
// timeouts, and where the mail goes on this host. The settings file gives
// the defaults under the same names; a job's "name=value" options in the
// jobs table override them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/deadline.hpp"

namespace odmr {

enum class TlsMode {
    none,      // never STARTTLS
    may,       // STARTTLS when the provider offers it
    required,  // STARTTLS, or the job fails
    implicit,  // TLS from the first byte (a port such as 465)
};

enum class RelayProtocol { smtp, lmtp };

// The local MTA that the mail of a turned-around ATRN session goes to.
struct RelayTarget {
    std::string host;       // an address or a name; empty for a UNIX-domain socket
    std::uint16_t port = 0;
    std::string socket_path;
    RelayProtocol protocol = RelayProtocol::smtp;

    // "inet:127.0.0.1:10026" or "unix:/var/spool/postfix/private/odmr".
    std::string describe() const;
};

struct JobOptions {
    TlsMode tls = TlsMode::may;
    std::string tls_ca_file;  // empty: the system's store
    bool tls_verify = true;   // check the certificate chain and the provider's name

    // The SASL mechanisms to try, best first. PLAIN and LOGIN are used only
    // under TLS, whatever this list contains.
    std::vector<std::string> auth_mechanisms{"SCRAM-SHA-256", "CRAM-MD5", "PLAIN", "LOGIN"};

    Seconds connect_timeout{30};
    Seconds command_timeout{300};   // each reply from the provider, and its silence after the turnaround
    Seconds session_timeout{7200};  // the whole session, from connect to QUIT
    Seconds relay_timeout{600};     // each reply from the local MTA

    RelayTarget relay{"127.0.0.1", 10026, {}, RelayProtocol::smtp};
    bool xclient = true;      // tell the local MTA the provider's address when it offers XCLIENT
    bool force_etrn = false;  // send ETRN even when the provider does not advertise it
    std::string helo_name;    // empty: the myhostname setting
};

// The names apply_job_option accepts, for help text and errors.
const std::vector<std::string>& job_option_names();

// Sets one option from its text. Throws ParameterError naming the value
// and the accepted forms; returns false for an unknown name.
bool apply_job_option(JobOptions& options, std::string_view name, std::string_view value);

// Returns the error for a tls_ca_file that this process cannot read,
// naming the path and the cause, or an empty string when it is readable.
std::string unreadable_ca_file(const std::string& path);

RelayTarget parse_relay_target(std::string_view text, RelayProtocol protocol);

std::string tls_mode_name(TlsMode mode);

// The options as --check-config prints them.
std::string describe_job_options(const JobOptions& options);

}  // namespace odmr
