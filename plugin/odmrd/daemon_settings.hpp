// odmrd's settings: the main file (/etc/odmr/odmrd.conf by default) and the
// command line, checked before the daemon binds anything.
#pragma once

#include <string>
#include <vector>

#include "plugin/host/postfix_queue.hpp"
#include "smtp/deadline.hpp"
#include "smtp/settings_file.hpp"

namespace odmr {

// Timeouts towards the customer once odmrd delivers to it. The defaults
// are the client timeouts of RFC 5321 section 4.5.3.2.
struct CustomerTimeouts {
    Seconds greeting{300};
    Seconds command{300};     // EHLO, MAIL, RCPT, RSET, QUIT
    Seconds data_start{120};  // the reply to DATA
    Seconds data_block{180};  // each write of the message body
    Seconds data_done{600};   // the reply after the final dot
};

struct DaemonSettings {
    std::string config_file;
    std::string hostname;
    std::vector<std::string> listen;
    std::vector<std::string> etrn_listen;    // odmrd's own ETRN port; none by default
    std::vector<std::string> policy_listen;  // Postfix's policy requests for ETRN; none by default
    std::string accounts_file;
    std::string queue_domains_file;

    std::string bridge_directory;
    std::string bridge_socket_group;
    PostfixQueueSettings postfix;

    std::string tls_certificate_file;
    std::string tls_key_file;
    bool allow_plaintext_auth = false;

    Seconds command_timeout{300};  // waiting for a client's next command on port 366
    Seconds setup_timeout{600};    // from connect to ATRN
    CustomerTimeouts customer;
    Seconds lmtp_timeout{300};     // waiting for Postfix's lmtp client
    Seconds release_grace_time{2};
    int release_rounds = 3;
    Seconds etrn_connect_timeout{30};
    Seconds etrn_min_interval{10};

    int max_sessions = 1000;
    int max_sessions_per_client = 10;
    int max_errors = 10;
    Milliseconds auth_failure_delay{1000};
    int auth_lockout_failures = 10;
    int auth_throttle_failures = 10;
    Seconds auth_failure_window{600};
    Seconds auth_lockout_time{600};

    std::string user;  // drop to this user after binding the sockets; empty keeps the current user

    bool syslog = true;
    bool log_to_stderr = false;
    bool verbose = false;
};

// The action the command line requests.
enum class DaemonAction { serve, serve_stdio, check_config, hash_password, print_transport_map, help, version };

struct DaemonCommand {
    DaemonAction action = DaemonAction::serve;
    DaemonSettings settings;
    SettingSources sources;    // where each setting came from, for later errors
    std::string hash_scheme;  // for hash_password
    std::string help_text;
};

// Parses the command line and the settings file. Throws ConfigError or
// boost::program_options::error with a message for the admin.
DaemonCommand parse_daemon_command(int argc, char** argv);

}  // namespace odmr
