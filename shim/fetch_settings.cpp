#include "shim/fetch_settings.hpp"

#include <unistd.h>

#include <sstream>

#include "shim/job_parameters.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

namespace po = program_options;

constexpr const char* default_config_file = "/etc/odmr/odmr-fetch.conf";

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
        ("config,c", po::value<std::string>(), "the settings file (default /etc/odmr/odmr-fetch.conf)")
        ("check-config", "read the settings, the jobs table and the passwords file, print every job with its passwords masked, and exit with status 0 when everything is valid")
        ("once", "run every job (or each --job) now, one after the other, and exit: status 0 when all succeeded, 75 when some failed for a reason that may pass, 1 when one failed for good")
        ("job", po::value<std::vector<std::string>>()->composing(), "with --once or --check-config: only this job; may be repeated")
        ("foreground,f", "log to standard error as well as to syslog");
    return options;
}

po::options_description setting_options() {
    po::options_description options("Settings ('name = value' in the settings file, or --name value)");
    options.add_options()
        ("myhostname", po::value<std::string>(), "the host name sent in EHLO to providers (default: the system host name)")
        ("jobs_file", po::value<std::string>()->default_value("/etc/odmr/fetch-jobs"), "the jobs table: one download job per line")
        ("passwords_file", po::value<std::string>()->default_value(""), "the file with the passwords written as * in the jobs table; it must be readable only by the user odmr-fetch runs as (chmod 600)")
        ("tls", po::value<std::string>()->default_value("may"), "TLS towards the provider: none, may (STARTTLS when offered), required (STARTTLS or the job fails) or implicit (TLS from the first byte)")
        ("tls_ca_file", po::value<std::string>()->default_value(""), "the PEM file of CA certificates that the provider's certificate must chain to (default: the system's store)")
        ("tls_verify", po::value<std::string>()->default_value("yes"), "check the provider's certificate and that it names the provider's host (yes or no)")
        ("auth_mechanisms", po::value<std::string>()->default_value("SCRAM-SHA-256,CRAM-MD5,PLAIN,LOGIN"), "the SASL mechanisms for ATRN logins, best first; PLAIN and LOGIN are used only under TLS")
        ("connect_timeout", po::value<std::string>()->default_value("30"), "seconds to wait for a connection to the provider or the local MTA")
        ("command_timeout", po::value<std::string>()->default_value("300"), "seconds to wait for each reply of the provider, and for its next command after the turnaround")
        ("session_timeout", po::value<std::string>()->default_value("7200"), "seconds one session may take from connect to QUIT")
        ("relay", po::value<std::string>()->default_value("inet:127.0.0.1:10026"), "the local MTA that ATRN mail goes to: inet:host:port or unix:/path")
        ("relay_protocol", po::value<std::string>()->default_value("smtp"), "the protocol spoken to the local MTA: smtp or lmtp")
        ("relay_timeout", po::value<std::string>()->default_value("600"), "seconds to wait for each reply of the local MTA")
        ("xclient", po::value<std::string>()->default_value("yes"), "pass the provider's address and name to a local MTA that offers XCLIENT (yes or no)")
        ("force_etrn", po::value<std::string>()->default_value("no"), "send ETRN even when the provider does not advertise it (yes or no)")
        ("retry_delay", po::value<int>()->default_value(60), "seconds to wait before running a job again after its first failure; each further failure doubles it")
        ("max_retry_delay", po::value<int>()->default_value(3600), "the longest wait in seconds after failures")
        ("max_jitter", po::value<int>()->default_value(30), "the most seconds a scheduled run is moved later at random, so jobs do not all start at once; 0 turns it off")
        ("syslog", po::value<bool>()->default_value(true, "yes"), "log to syslog with facility mail (yes or no)")
        ("verbose,v", po::bool_switch(), "log debugging detail");
    return options;
}

Seconds seconds_setting(const po::variables_map& values, const SettingSources& sources, const std::string& name,
                        int minimum) {
    const int value = values[name].as<int>();
    if (value < minimum) {
        throw sources.error(name, concat(name, " = ", value, " is invalid; use a number of seconds from ", minimum));
    }
    return Seconds(value);
}

JobOptions read_job_defaults(const po::variables_map& values, const SettingSources& sources) {
    JobOptions defaults;
    for (const auto& name : job_option_names()) {
        if (name == "helo_name" || values.count(name) == 0) continue;
        const std::string value = values[name].as<std::string>();
        try {
            apply_job_option(defaults, name, value);
        } catch (const ParameterError& error) {
            throw sources.error(name, error.what());
        }
    }

    // Checked here, so that the error names the settings file. The jobs
    // table checks only a job's own tls_ca_file.
    if (!defaults.tls_ca_file.empty()) {
        const std::string problem = unreadable_ca_file(defaults.tls_ca_file);
        if (!problem.empty()) throw sources.error("tls_ca_file", problem);
    }
    return defaults;
}

FetchSettings read_settings(const po::variables_map& values, const SettingSources& sources) {
    FetchSettings settings;
    settings.config_file = values.count("config") ? values["config"].as<std::string>() : default_config_file;
    settings.hostname = values.count("myhostname") ? values["myhostname"].as<std::string>() : default_hostname();
    settings.jobs_file = values["jobs_file"].as<std::string>();
    settings.passwords_file = values["passwords_file"].as<std::string>();

    settings.job_defaults = read_job_defaults(values, sources);
    settings.job_defaults.helo_name = settings.hostname;

    settings.retry_delay = seconds_setting(values, sources, "retry_delay", 1);
    settings.max_retry_delay = seconds_setting(values, sources, "max_retry_delay", 1);
    if (settings.max_retry_delay < settings.retry_delay) {
        throw sources.error("max_retry_delay", concat("max_retry_delay = ", settings.max_retry_delay.count(),
                                                      " is shorter than retry_delay = ", settings.retry_delay.count(),
                                                      "; make it at least as long"));
    }
    settings.max_jitter = seconds_setting(values, sources, "max_jitter", 0);

    settings.syslog = values["syslog"].as<bool>();
    settings.log_to_stderr = values.count("foreground") > 0;
    settings.verbose = values["verbose"].as<bool>();
    return settings;
}

}  // namespace

FetchCommand parse_fetch_command(int argc, char** argv) {
    const auto command_line = command_line_options();
    const auto settings = setting_options();

    FetchCommand command;
    std::ostringstream help;
    help << "Usage: odmr-fetch [options]\n\n"
         << "odmr-fetch asks providers for held mail. ETRN (RFC 1985) makes the provider\n"
         << "deliver to this host's fixed address. ATRN (RFC 2645) turns the connection\n"
         << "around, and odmr-fetch relays the provider's session into the local MTA.\n"
         << "Without --once it runs as a daemon and runs each job on its schedule.\n\n"
         << command_line << "\n" << settings;
    command.help_text = help.str();

    po::variables_map values;
    SettingsRequest request;
    request.argc = argc;
    request.argv = argv;
    request.command_line_only = &command_line;
    request.settings = &settings;
    request.default_config_file = default_config_file;
    const SettingSources sources = parse_settings(request, values);

    if (values.count("help")) {
        command.action = FetchAction::help;
        return command;
    }
    if (values.count("version")) {
        command.action = FetchAction::version;
        return command;
    }

    command.settings = read_settings(values, sources);
    if (values.count("job")) command.job_names = values["job"].as<std::vector<std::string>>();
    if (values.count("once")) command.action = FetchAction::once;
    if (values.count("check-config")) command.action = FetchAction::check_config;

    // The daemon runs every job on its schedule, so a --job there would be
    // silently ignored.
    if (!command.job_names.empty() && command.action == FetchAction::daemon) {
        throw po::error("--job goes with --once or --check-config; add --once to run that job now, or --check-config "
                        "to check it");
    }
    return command;
}

}  // namespace odmr
