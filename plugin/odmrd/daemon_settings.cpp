#include "plugin/odmrd/daemon_settings.hpp"

#include <unistd.h>

#include <sstream>

#include "smtp/socket.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

namespace po = program_options;

std::string default_hostname() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

po::options_description command_line_options() {
    po::options_description options("Command line only");
    options.add_options()
        ("help,h", "print this help and exit")
        ("version", "print the version and exit")
        ("config,c", po::value<std::string>(), "the settings file (default /etc/odmr/odmrd.conf)")
        ("stdio", "serve one ODMR connection on standard input and output, as started by Postfix's spawn(8), inetd or systemd socket activation")
        ("check-config", "read the settings and tables, print a summary and exit with status 0 when they are valid")
        ("hash-password", po::value<std::string>()->value_name("SCHEME"),
         "read a password from standard input and print it as a stored password in SCHEME (PLAIN, CRAM-MD5, SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, SSHA256, SSHA512)")
        ("postfix-transport-map", "print the Postfix transport map lines for the queue domains and exit")
        ("foreground,f", "log to standard error as well as to syslog");
    return options;
}

po::options_description setting_options() {
    po::options_description options("Settings (in the settings file as 'name = value', or on the command line as --name value)");
    options.add_options()
        ("myhostname", po::value<std::string>(), "the host name in greetings and EHLO (default: the system host name)")
        ("listen", po::value<std::vector<std::string>>()->composing(), "an address and port for ATRN, such as 366, 192.0.2.1:366 or [2001:db8::1]:366; may be repeated (default 366 on every address)")
        ("etrn_listen", po::value<std::vector<std::string>>()->composing(), "an address and port for odmrd's own ETRN service, such as 192.0.2.1:1025; may be repeated (default: none)")
        ("policy_listen", po::value<std::vector<std::string>>()->composing(), "where Postfix's check_policy_service reaches odmrd for ETRN on port 25: host:port or unix:/path; may be repeated (default: none)")
        ("accounts_file", po::value<std::string>()->default_value("/etc/odmr/accounts"), "the accounts table: logins, passwords and the domains each may release")
        ("queue_domains_file", po::value<std::string>()->default_value("/etc/odmr/queue-domains"), "the queue-domain table")
        ("bridge_directory", po::value<std::string>()->default_value("/run/odmr/bridge"), "the directory for the per-domain sockets that Postfix's lmtp client delivers to")
        ("bridge_socket_group", po::value<std::string>()->default_value("postfix"), "the group that may connect to the bridge sockets (Postfix's mail_owner group); empty leaves the group as created")
        ("postfix_config_directory", po::value<std::string>()->default_value(""), "the Postfix configuration directory passed to postqueue -c (default: postqueue's own default)")
        ("postqueue_command", po::value<std::string>()->default_value("/usr/sbin/postqueue"), "the path of Postfix's postqueue(1)")
        ("postqueue_timeout", po::value<int>()->default_value(60), "seconds one postqueue run may take")
        ("tls_certificate_file", po::value<std::string>()->default_value(""), "the PEM certificate chain for STARTTLS; STARTTLS is offered only when this and tls_key_file are set")
        ("tls_key_file", po::value<std::string>()->default_value(""), "the PEM private key for STARTTLS")
        ("allow_plaintext_auth", po::value<bool>()->default_value(false), "offer AUTH PLAIN and LOGIN without TLS (yes or no); CRAM-MD5 is always offered")
        ("command_timeout", po::value<int>()->default_value(300), "seconds to wait for a client's next command on the ODMR port")
        ("setup_timeout", po::value<int>()->default_value(600), "seconds a client may take from connecting to sending ATRN")
        ("customer_greeting_timeout", po::value<int>()->default_value(300), "seconds to wait for the customer's 220 greeting after the turnaround")
        ("customer_command_timeout", po::value<int>()->default_value(300), "seconds to wait for the customer's reply to EHLO, MAIL, RCPT, RSET and QUIT")
        ("customer_data_timeout", po::value<int>()->default_value(120), "seconds to wait for the customer's reply to DATA")
        ("customer_data_block_timeout", po::value<int>()->default_value(180), "seconds one write of a message body to the customer may take")
        ("customer_data_done_timeout", po::value<int>()->default_value(600), "seconds to wait for the customer's reply after the end of a message")
        ("lmtp_timeout", po::value<int>()->default_value(300), "seconds to wait for Postfix's lmtp client on a bridge socket")
        ("release_grace_time", po::value<int>()->default_value(2), "seconds without deliveries after which a session checks the queue again and ends when nothing is left")
        ("release_rounds", po::value<int>()->default_value(3), "how many times a session asks Postfix again for mail that is still waiting")
        ("etrn_connect_timeout", po::value<int>()->default_value(30), "seconds to connect to a customer's fixed address for ETRN")
        ("etrn_min_interval", po::value<int>()->default_value(10), "seconds after an ETRN run starts before another ETRN for the same domain starts a new run")
        ("max_sessions", po::value<int>()->default_value(1000), "the most connections served at once, per service (ATRN, ETRN, policy)")
        ("max_sessions_per_client", po::value<int>()->default_value(10), "the most ATRN or ETRN connections from one client address at once")
        ("max_errors", po::value<int>()->default_value(10), "protocol errors after which a client is disconnected with 421")
        ("auth_failure_delay", po::value<int>()->default_value(1000), "milliseconds to wait before answering a failed AUTH")
        ("auth_lockout_failures", po::value<int>()->default_value(10), "failed AUTH attempts from one address within auth_failure_window that lock the address out")
        ("auth_lockout_time", po::value<int>()->default_value(600), "seconds a locked-out address gets only 454 to AUTH")
        ("auth_throttle_failures", po::value<int>()->default_value(10), "failed AUTH attempts for one login within auth_failure_window after which its failures wait five times longer")
        ("auth_failure_window", po::value<int>()->default_value(600), "seconds a failed AUTH counts towards auth_lockout_failures and auth_throttle_failures")
        ("user", po::value<std::string>()->default_value(""), "the user odmrd runs as after binding its sockets (such as odmr); it must be able to read the tables and write the bridge directory; empty keeps the starting user")
        ("syslog", po::value<bool>()->default_value(true), "log to syslog with facility mail (yes or no)")
        ("verbose,v", po::bool_switch(), "log debugging detail");
    return options;
}

// The range of each number setting. Timeouts stop at a day, which is far
// above any protocol's own limit.
std::map<std::string, NumberRange> number_ranges() {
    constexpr long long day = 86400;
    constexpr long long many = 1000000;
    std::map<std::string, NumberRange> ranges;
    for (const char* name : {"postqueue_timeout", "command_timeout", "setup_timeout", "customer_greeting_timeout",
                             "customer_command_timeout", "customer_data_timeout", "customer_data_block_timeout",
                             "customer_data_done_timeout", "lmtp_timeout", "release_grace_time", "etrn_connect_timeout",
                             "auth_lockout_time", "auth_failure_window"}) {
        ranges[name] = NumberRange{1, day, "seconds"};
    }
    ranges["etrn_min_interval"] = NumberRange{0, day, "seconds"};
    ranges["auth_failure_delay"] = NumberRange{0, 60000, "milliseconds"};
    for (const char* name : {"release_rounds", "max_sessions", "max_sessions_per_client", "max_errors",
                             "auth_lockout_failures", "auth_throttle_failures"}) {
        ranges[name] = NumberRange{1, many, ""};
    }
    return ranges;
}

// The ranges above are checked while the settings are parsed.
Seconds seconds(const po::variables_map& values, const std::string& name) { return Seconds(values[name].as<int>()); }

int number(const po::variables_map& values, const std::string& name) { return values[name].as<int>(); }

void check_listen(const std::vector<std::string>& listen, const SettingSources& sources, const std::string& name) {
    for (const auto& entry : listen) {
        if (istarts_with(entry, "unix:") && entry.size() > 6 && entry[5] == '/') continue;
        try {
            if (parse_endpoint(entry, 366).host.empty() && name != "listen") throw std::invalid_argument("no address");
        } catch (const std::invalid_argument& error) {
            throw sources.error(name, concat("invalid ", name, " address '", printable(entry, 80), "': ", error.what(),
                                             "; write host:port such as 127.0.0.1:10031", name == "policy_listen" ? " or unix:/path" : ""));
        }
    }
}

DaemonSettings read_settings(const po::variables_map& values, const SettingSources& sources) {
    DaemonSettings settings;
    settings.hostname = values.count("myhostname") ? values["myhostname"].as<std::string>() : default_hostname();
    settings.listen = values.count("listen") ? values["listen"].as<std::vector<std::string>>() : std::vector<std::string>{"366"};
    check_listen(settings.listen, sources, "listen");
    if (values.count("etrn_listen")) settings.etrn_listen = values["etrn_listen"].as<std::vector<std::string>>();
    check_listen(settings.etrn_listen, sources, "etrn_listen");
    if (values.count("policy_listen")) settings.policy_listen = values["policy_listen"].as<std::vector<std::string>>();
    check_listen(settings.policy_listen, sources, "policy_listen");
    settings.accounts_file = values["accounts_file"].as<std::string>();
    settings.queue_domains_file = values["queue_domains_file"].as<std::string>();

    settings.bridge_directory = values["bridge_directory"].as<std::string>();
    if (settings.bridge_directory.empty() || settings.bridge_directory.front() != '/') {
        throw sources.error("bridge_directory", concat("bridge_directory = '", printable(settings.bridge_directory, 80),
                                                       "' is invalid; use an absolute path such as /run/odmr/bridge"));
    }
    settings.bridge_socket_group = values["bridge_socket_group"].as<std::string>();
    settings.postfix.config_directory = values["postfix_config_directory"].as<std::string>();
    settings.postfix.postqueue_command = values["postqueue_command"].as<std::string>();
    settings.postfix.timeout = seconds(values, "postqueue_timeout");

    settings.tls_certificate_file = values["tls_certificate_file"].as<std::string>();
    settings.tls_key_file = values["tls_key_file"].as<std::string>();
    if (settings.tls_certificate_file.empty() != settings.tls_key_file.empty()) {
        throw sources.error(settings.tls_key_file.empty() ? "tls_certificate_file" : "tls_key_file",
                            "STARTTLS needs both tls_certificate_file and tls_key_file; set both or neither");
    }
    settings.allow_plaintext_auth = values["allow_plaintext_auth"].as<bool>();

    settings.command_timeout = seconds(values, "command_timeout");
    settings.setup_timeout = seconds(values, "setup_timeout");
    settings.customer.greeting = seconds(values, "customer_greeting_timeout");
    settings.customer.command = seconds(values, "customer_command_timeout");
    settings.customer.data_start = seconds(values, "customer_data_timeout");
    settings.customer.data_block = seconds(values, "customer_data_block_timeout");
    settings.customer.data_done = seconds(values, "customer_data_done_timeout");
    settings.lmtp_timeout = seconds(values, "lmtp_timeout");
    settings.release_grace_time = seconds(values, "release_grace_time");
    settings.release_rounds = number(values, "release_rounds");
    settings.etrn_connect_timeout = seconds(values, "etrn_connect_timeout");
    settings.etrn_min_interval = seconds(values, "etrn_min_interval");

    settings.max_sessions = number(values, "max_sessions");
    settings.max_sessions_per_client = number(values, "max_sessions_per_client");
    settings.auth_lockout_failures = number(values, "auth_lockout_failures");
    settings.auth_throttle_failures = number(values, "auth_throttle_failures");
    settings.auth_failure_window = seconds(values, "auth_failure_window");
    settings.auth_lockout_time = seconds(values, "auth_lockout_time");
    settings.user = values["user"].as<std::string>();
    settings.max_errors = number(values, "max_errors");
    settings.auth_failure_delay = Milliseconds(number(values, "auth_failure_delay"));

    settings.syslog = values["syslog"].as<bool>();
    settings.log_to_stderr = values.count("foreground") > 0;
    settings.verbose = values["verbose"].as<bool>();
    return settings;
}

}  // namespace

DaemonCommand parse_daemon_command(int argc, char** argv) {
    const auto command_line = command_line_options();
    const auto settings = setting_options();

    DaemonCommand command;
    std::ostringstream help;
    help << "Usage: odmrd [options]\n\nodmrd serves ATRN (RFC 2645, on-demand mail relay) for a Postfix provider.\n\n"
         << command_line << "\n" << settings;
    command.help_text = help.str();

    po::variables_map values;
    SettingsRequest request;
    request.argc = argc;
    request.argv = argv;
    request.command_line_only = &command_line;
    request.settings = &settings;
    request.default_config_file = "/etc/odmr/odmrd.conf";
    request.number_ranges = number_ranges();
    const SettingSources sources = parse_settings(request, values);
    command.sources = sources;

    if (values.count("help")) {
        command.action = DaemonAction::help;
        return command;
    }
    if (values.count("version")) {
        command.action = DaemonAction::version;
        return command;
    }

    command.settings = read_settings(values, sources);
    command.settings.config_file = values.count("config") ? values["config"].as<std::string>() : "/etc/odmr/odmrd.conf";
    if (values.count("stdio")) command.action = DaemonAction::serve_stdio;
    if (values.count("check-config")) command.action = DaemonAction::check_config;
    if (values.count("postfix-transport-map")) command.action = DaemonAction::print_transport_map;
    if (values.count("hash-password")) {
        command.action = DaemonAction::hash_password;
        command.hash_scheme = values["hash-password"].as<std::string>();
    }
    return command;
}

}  // namespace odmr
