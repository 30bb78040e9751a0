#include "plugin/milter/milter_settings.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <sstream>
#include <stdexcept>

#include "plugin/host/process.hpp"
#include "plugin/host/system_accounts.hpp"
#include "smtp/domain.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

namespace po = program_options;

constexpr const char* default_config_file = "/etc/odmr/odmr-milter.conf";

std::uint16_t parse_port(std::string_view text, const std::string& whole) {
    unsigned value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size() || value == 0 ||
        value > 65535) {
        throw std::invalid_argument(concat("invalid port in '", printable(whole, 80), "'; use a number from 1 to 65535"));
    }
    return static_cast<std::uint16_t>(value);
}

MilterSocket parse_inet(const std::string& text) {
    const std::string_view rest = std::string_view(text).substr(5);
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        throw std::invalid_argument(concat("invalid milter socket '", printable(text, 80),
                                           "'; write inet:127.0.0.1:8366 or inet:[::1]:8366"));
    }
    std::string_view host = rest.substr(0, colon);
    const std::uint16_t port = parse_port(rest.substr(colon + 1), text);

    const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) host = host.substr(1, host.size() - 2);
    unsigned char address[16];
    const std::string host_text(host);
    const bool ipv6 = inet_pton(AF_INET6, host_text.c_str(), address) == 1;
    const bool ipv4 = inet_pton(AF_INET, host_text.c_str(), address) == 1;
    if (bracketed != ipv6 || (!ipv4 && !ipv6 && !normalize_domain(host))) {
        throw std::invalid_argument(concat("invalid host in milter socket '", printable(text, 80),
                                           "'; write an IPv4 address, an IPv6 address in brackets or a host name"));
    }
    return MilterSocket{text, concat(ipv6 ? "inet6:" : "inet:", port, "@", host_text), ""};
}

}  // namespace

MilterSocket parse_milter_socket(const std::string& text) {
    if (istarts_with(text, "inet:")) return parse_inet(text);

    for (const std::string_view prefix : {"unix:", "local:"}) {
        if (!istarts_with(text, prefix)) continue;
        const std::string path = text.substr(prefix.size());
        if (path.empty() || path.front() != '/') {
            throw std::invalid_argument(concat("invalid milter socket '", printable(text, 80),
                                               "'; a unix socket needs an absolute path, such as unix:/run/odmr/milter.sock"));
        }
        return MilterSocket{"unix:" + path, "unix:" + path, path};
    }
    throw std::invalid_argument(concat("invalid milter socket '", printable(text, 80),
                                       "'; write unix:/run/odmr/milter.sock or inet:127.0.0.1:8366"));
}

namespace {

po::options_description command_line_options() {
    po::options_description options("Command line only");
    options.add_options()
        ("help,h", "print this help and exit")
        ("version", "print the version and exit")
        ("config,c", po::value<std::string>(), "the settings file (default /etc/odmr/odmr-milter.conf, read when it exists)")
        ("check-config", "read the settings and the queue-domain table, print a summary and exit with status 0 when they are valid")
        ("foreground,f", "log to standard error as well as to syslog");
    return options;
}

po::options_description setting_options() {
    po::options_description options("Settings (in the settings file as 'name = value', or on the command line as --name value)");
    options.add_options()
        ("listen", po::value<std::string>()->default_value("inet:127.0.0.1:8366"), "the milter socket, written as in Postfix's smtpd_milters: inet:127.0.0.1:PORT or unix:/path")
        ("socket_group", po::value<std::string>()->default_value("postfix"), "the group that may connect to a unix socket (Postfix's mail_owner group); empty leaves the group as created")
        ("queue_domains_file", po::value<std::string>()->default_value("/etc/odmr/queue-domains"), "the queue-domain table with the per-domain limits")
        ("postfix_config_directory", po::value<std::string>()->default_value(""), "the Postfix configuration directory passed to postqueue -c (default: postqueue's own default)")
        ("postqueue_command", po::value<std::string>()->default_value("/usr/sbin/postqueue"), "the path of Postfix's postqueue(1)")
        ("postqueue_timeout", po::value<int>()->default_value(60), "seconds one postqueue -j run may take")
        ("refresh_interval", po::value<int>()->default_value(60), "seconds from the end of one listing of the queue to the start of the next; mail that left the queue still counts for about this plus the time of one listing")
        ("odmr_port", po::value<int>()->default_value(366), "the ODMR port that the reply to ATRN on this MTA names")
        ("etrn_port", po::value<int>()->default_value(0), "the port of odmrd's own ETRN service (its etrn_listen), which the reply to ETRN with a password names; 0 when odmrd has none, and the reply names ATRN on the ODMR port instead")
        ("syslog", po::value<bool>()->default_value(true), "log to syslog with facility mail (yes or no)")
        ("verbose,v", po::bool_switch(), "log debugging detail, such as each queue listing and how long it took");
    return options;
}

std::map<std::string, NumberRange> number_ranges() {
    return {
        {"postqueue_timeout", NumberRange{1, 86400, "seconds"}},
        {"refresh_interval", NumberRange{1, 86400, "seconds"}},
        {"odmr_port", NumberRange{1, 65535, ""}},
        {"etrn_port", NumberRange{0, 65535, ""}},
    };
}

MilterSettings read_settings(const po::variables_map& values, const SettingSources& sources) {
    MilterSettings settings;
    try {
        settings.socket = parse_milter_socket(values["listen"].as<std::string>());
    } catch (const std::invalid_argument& error) {
        throw sources.error("listen", error.what());
    }
    settings.socket_group = values["socket_group"].as<std::string>();
    settings.queue_domains_file = values["queue_domains_file"].as<std::string>();

    settings.postfix.config_directory = values["postfix_config_directory"].as<std::string>();
    settings.postfix.postqueue_command = values["postqueue_command"].as<std::string>();
    // number_ranges() bounds these while the settings are parsed.
    settings.postfix.timeout = Seconds(values["postqueue_timeout"].as<int>());
    settings.refresh_interval = Seconds(values["refresh_interval"].as<int>());
    settings.odmr_port = static_cast<std::uint16_t>(values["odmr_port"].as<int>());
    settings.etrn_port = static_cast<std::uint16_t>(values["etrn_port"].as<int>());

    settings.syslog = values["syslog"].as<bool>();
    settings.log_to_stderr = values.count("foreground") > 0;
    settings.verbose = values["verbose"].as<bool>();
    return settings;
}

}  // namespace

MilterCommand parse_milter_command(int argc, char** argv) {
    const auto command_line = command_line_options();
    const auto settings = setting_options();

    MilterCommand command;
    std::ostringstream help;
    help << "Usage: odmr-milter [options]\n\n"
         << "odmr-milter enforces per-domain limits on held mail for queue domains at SMTP time.\n\n"
         << command_line << "\n" << settings;
    command.help_text = help.str();

    po::variables_map values;
    SettingsRequest request;
    request.argc = argc;
    request.argv = argv;
    request.command_line_only = &command_line;
    request.settings = &settings;
    request.default_config_file = default_config_file;
    request.number_ranges = number_ranges();
    const SettingSources sources = parse_settings(request, values);
    command.sources = sources;

    if (values.count("help")) {
        command.action = MilterAction::help;
        return command;
    }
    if (values.count("version")) {
        command.action = MilterAction::version;
        return command;
    }

    command.settings = read_settings(values, sources);
    command.settings.config_file = values.count("config") ? values["config"].as<std::string>() : default_config_file;
    if (values.count("check-config")) command.action = MilterAction::check_config;
    return command;
}

void check_system_settings(const MilterCommand& command) {
    const MilterSettings& settings = command.settings;
    if (!settings.socket.unix_path.empty() && !settings.socket_group.empty() && !find_group(settings.socket_group)) {
        throw command.sources.error("socket_group",
                                    concat("socket_group = ", printable(settings.socket_group, 60),
                                           " does not exist; name the group of Postfix's mail_owner (usually postfix), "
                                           "or leave socket_group empty to keep the socket's group"));
    }

    const std::string& postqueue = settings.postfix.postqueue_command;
    if (const auto problem = command_problem(postqueue)) {
        throw command.sources.error("postqueue_command",
                                    concat("postqueue_command = ", printable(postqueue, 120), " ", *problem,
                                           "; give the path of Postfix's postqueue, such as /usr/sbin/postqueue"));
    }
    if (const auto problem = config_directory_problem(settings.postfix)) {
        throw command.sources.error("postfix_config_directory", *problem);
    }
}

}  // namespace odmr
