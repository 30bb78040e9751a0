// odmr-milter's settings: the main file (/etc/odmr/odmr-milter.conf by
// default, optional) and the command line, checked before anything starts.
#pragma once

#include <cstdint>
#include <string>

#include "plugin/host/postfix_queue.hpp"
#include "smtp/deadline.hpp"
#include "smtp/settings_file.hpp"

namespace odmr {

// The milter's listening socket in two spellings: Postfix's, as in
// smtpd_milters ("inet:127.0.0.1:8366", "unix:/run/odmr/milter.sock"), and
// libmilter's, as smfi_setconn takes it ("inet:8366@127.0.0.1").
struct MilterSocket {
    std::string postfix_form;
    std::string libmilter_form;
    std::string unix_path;  // empty for inet
};

// Parses "unix:/path", "local:/path", "inet:HOST:PORT" or "inet:[IPv6]:PORT".
// Throws std::invalid_argument with a sentence that names the value.
MilterSocket parse_milter_socket(const std::string& text);

struct MilterSettings {
    std::string config_file;
    MilterSocket socket;
    std::string socket_group;  // the group that may connect to a unix socket
    std::string queue_domains_file;
    PostfixQueueSettings postfix;
    Seconds refresh_interval{60};
    std::uint16_t odmr_port = 366;
    std::uint16_t etrn_port = 0;  // 0 when odmrd has no ETRN port

    bool syslog = true;
    bool log_to_stderr = false;
    bool verbose = false;
};

enum class MilterAction { serve, check_config, help, version };

struct MilterCommand {
    MilterAction action = MilterAction::serve;
    MilterSettings settings;
    SettingSources sources;  // where each setting came from, for later errors
    std::string help_text;
};

// Parses the command line and the settings file. Throws ConfigError or
// boost::program_options::error with a message for the admin.
MilterCommand parse_milter_command(int argc, char** argv);

// Checks what the settings need from the system: that socket_group exists
// for a unix socket and that postqueue_command can run. --check-config and
// the start both run it. Throws ConfigError naming the setting's source.
void check_system_settings(const MilterCommand& command);

}  // namespace odmr
