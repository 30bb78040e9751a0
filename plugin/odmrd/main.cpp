// odmrd: the provider side of on-demand mail relay for Postfix.
//
// SYNOPSIS
//   odmrd [--config FILE] [--foreground] [--name value ...]
//   odmrd --stdio            (one connection on standard input and output)
//   odmrd --check-config | --postfix-transport-map | --hash-password SCHEME
//
// odmrd serves ATRN (RFC 2645) on port 366. After a customer logs in and
// sends ATRN, the connection turns around and odmrd carries Postfix's own
// delivery of the held mail onto it, through a per-domain LMTP socket that
// Postfix's transport map points at. The mail stays in Postfix's queue
// until the customer's MTA has answered 250 for it.
//
// With etrn_listen it also serves ETRN (RFC 1985) on its own port, and with
// policy_listen it answers Postfix's policy requests for ETRN on port 25;
// either way the held mail goes to the domain's fixed address over a new
// connection, through the same bridge.
//
// Exit status: 0 on success, 64 for a command line error, 78 for a
// configuration error, 71 when a socket cannot be opened.

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "plugin/host/postfix_queue.hpp"
#include "plugin/odmrd/atrn_server_session.hpp"
#include "plugin/odmrd/bridge_directory.hpp"
#include "plugin/odmrd/bridge_listener.hpp"
#include "plugin/odmrd/bridge_paths.hpp"
#include "plugin/odmrd/daemon_settings.hpp"
#include "plugin/odmrd/etrn_server_session.hpp"
#include "plugin/odmrd/policy_session.hpp"
#include "plugin/odmrd/privileges.hpp"
#include "plugin/odmrd/startup_checks.hpp"
#include "plugin/odmrd/tables.hpp"
#include "plugin/odmrd/tcp_listener.hpp"
#include "smtp/log.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"

namespace {

using namespace odmr;

constexpr int exit_usage = 64;
constexpr int exit_os_error = 71;
constexpr int exit_config = 78;

std::string read_password_from_stdin() {
    termios saved{};
    const bool terminal = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (terminal) {
        std::cerr << "Password: " << std::flush;
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string password;
    std::getline(std::cin, password);
    if (terminal) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::cerr << "\n";
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    return password;
}

void print_addresses(const std::string& name, const std::vector<std::string>& addresses) {
    std::cout << name << ":";
    if (addresses.empty()) std::cout << " none";
    for (const auto& address : addresses) std::cout << " " << address;
    std::cout << "\n";
}

// The domains each login may release, from the queue-domain table's side
// because the accounts table lists owners per domain. No password appears.
std::map<std::string, std::vector<std::string>> domains_by_login(const Tables& tables) {
    std::map<std::string, std::vector<std::string>> domains;
    for (const auto& [name, domain] : tables.queue_domains.domains()) {
        for (const Account* owner : tables.accounts.owners(name)) domains[owner->login].push_back(name);
    }
    return domains;
}

void print_summary(const DaemonSettings& settings, const Tables& tables) {
    std::cout << "settings file: " << settings.config_file << "\n"
              << "queue domains (" << settings.queue_domains_file << "): " << tables.queue_domains.domains().size() << "\n";
    for (const auto& [name, domain] : tables.queue_domains.domains()) {
        std::cout << "  " << name;
        if (domain.etrn_address) std::cout << " etrn_address=" << *domain.etrn_address;
        if (domain.max_messages) std::cout << " max_messages=" << domain.max_messages;
        if (domain.max_bytes) std::cout << " max_bytes=" << domain.max_bytes;
        if (domain.max_message_size) std::cout << " max_message_size=" << domain.max_message_size;
        std::cout << "\n";
    }

    std::cout << "accounts (" << settings.accounts_file << "): " << tables.accounts.size() << "\n";
    for (const auto& [login, domains] : domains_by_login(tables)) {
        std::cout << "  " << login << ":";
        for (const auto& domain : domains) std::cout << " " << domain;
        std::cout << "\n";
    }

    print_addresses("listen", settings.listen);
    print_addresses("etrn_listen", settings.etrn_listen);
    print_addresses("policy_listen", settings.policy_listen);
    std::cout << "bridge directory: " << settings.bridge_directory << " (socket group "
              << (settings.bridge_socket_group.empty() ? "unchanged" : settings.bridge_socket_group) << ")\n"
              << "user: " << (settings.user.empty() ? "the starting user" : settings.user) << "\n"
              << "STARTTLS: " << (settings.tls_certificate_file.empty() ? "off" : "on") << "\n";
}

DeliverySettings delivery_settings(const DaemonSettings& settings, gid_t group) {
    DeliverySettings delivery;
    delivery.hostname = settings.hostname;
    delivery.bridge_directory = settings.bridge_directory;
    delivery.socket_group = group;
    delivery.bridge.hostname = settings.hostname;
    delivery.bridge.lmtp_timeout = settings.lmtp_timeout;
    delivery.bridge.customer = settings.customer;
    delivery.release_grace_time = settings.release_grace_time;
    delivery.release_rounds = settings.release_rounds;
    return delivery;
}

// Waits for signals in the main thread: SIGHUP reloads the tables,
// SIGTERM and SIGINT stop the daemon.
int wait_for_signals(const sigset_t& signals, const DaemonSettings& settings, TablesHolder& tables) {
    while (true) {
        int signal_number = 0;
        if (sigwait(&signals, &signal_number) != 0) continue;

        if (signal_number == SIGHUP) {
            try {
                auto reloaded = load_tables(settings.queue_domains_file, settings.accounts_file);
                check_etrn_addresses(reloaded->queue_domains);
                tables.replace(reloaded);
                log::info("reloaded the queue-domain and accounts tables");
            } catch (const ConfigError& error) {
                log::error(concat("reload failed, keeping the old tables: ", error.what()));
            }
            continue;
        }
        log::info(concat("stopping on signal ", signal_number));
        return 0;
    }
}

bool drop_to_user(const DaemonSettings& settings) {
    if (settings.user.empty()) return true;
    try {
        drop_privileges(settings.user);
        return true;
    } catch (const std::runtime_error& error) {
        log::startup_error(error.what());
        return false;
    }
}

int run(int argc, char** argv) {
    DaemonCommand command;
    try {
        command = parse_daemon_command(argc, argv);
    } catch (const boost::program_options::error& error) {
        std::cerr << "odmrd: " << error.what() << "; run odmrd --help for the options\n";
        return exit_usage;
    } catch (const ConfigError& error) {
        std::cerr << "odmrd: " << error.what() << "\n";
        return exit_config;
    }

    const DaemonSettings& settings = command.settings;
    switch (command.action) {
    case DaemonAction::help:
        std::cout << command.help_text;
        return 0;
    case DaemonAction::version:
        std::cout << "odmrd 0.1.0\n";
        return 0;
    case DaemonAction::hash_password:
        try {
            std::cout << make_stored_password(command.hash_scheme, read_password_from_stdin()) << "\n";
            return 0;
        } catch (const std::exception& error) {
            std::cerr << "odmrd: " << error.what() << "\n";
            return exit_usage;
        }
    default:
        break;
    }

    log::open({"odmrd", settings.syslog && command.action != DaemonAction::check_config,
               settings.log_to_stderr || command.action == DaemonAction::check_config, settings.verbose});

    std::shared_ptr<const Tables> loaded;
    SystemResources resources;
    try {
        loaded = load_tables(settings.queue_domains_file, settings.accounts_file);
        if (command.action != DaemonAction::print_transport_map) {
            check_etrn_addresses(loaded->queue_domains);
            resources = check_system_settings(settings, command.sources, loaded->queue_domains);
        }
    } catch (const ConfigError& error) {
        log::startup_error(error.what());
        return exit_config;
    }

    if (command.action == DaemonAction::check_config) {
        print_summary(settings, *loaded);
        return 0;
    }
    if (command.action == DaemonAction::print_transport_map) {
        for (const auto& [name, domain] : loaded->queue_domains.domains()) {
            std::cout << transport_map_lines(settings.bridge_directory, name);
        }
        return 0;
    }

    // The user and group are known by now, so a failed lookup leaves no
    // directory behind.
    try {
        prepare_bridge_directory(settings.bridge_directory, resources.bridge_owner);
    } catch (const std::runtime_error& error) {
        log::startup_error(command.sources.error("bridge_directory", error.what()).what());
        return exit_config;
    }
    TablesHolder tables(loaded);
    const std::shared_ptr<TlsContext> tls = resources.tls;
    const gid_t group = resources.bridge_owner.group.value_or(static_cast<gid_t>(-1));

    PostfixQueue host(settings.postfix);
    AuthLimiter auth_limiter(AuthLimits{settings.auth_failure_delay, settings.auth_lockout_failures,
                                        settings.auth_throttle_failures, settings.auth_failure_window,
                                        settings.auth_lockout_time});
    const ServerContext context{settings, tables, tls, host, delivery_settings(settings, group), auth_limiter};

    if (command.action == DaemonAction::serve_stdio) {
        if (!drop_to_user(settings)) return exit_os_error;
        AtrnServerSession session(std::make_unique<FdStream>(STDIN_FILENO, STDOUT_FILENO, false),
                                  peer_address(STDIN_FILENO), peer_port(STDIN_FILENO), context);
        session.run();
        return 0;
    }

    // Signals go to the main thread only; every thread started later
    // inherits this mask.
    sigset_t signals;
    sigemptyset(&signals);
    for (const int number : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, number);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    EtrnRuns etrn_runs(host, EtrnRunSettings{context.delivery, settings.etrn_connect_timeout, settings.etrn_min_interval});
    const std::string busy = "421 4.3.2 Too many connections; try again later\r\n";
    TcpListener atrn_listener("ATRN", settings.max_sessions, settings.max_sessions_per_client, busy, [&context](int fd) {
        AtrnServerSession session(std::make_unique<FdStream>(fd), peer_address(fd), peer_port(fd), context);
        session.run();
    });
    TcpListener etrn_listener("ETRN", settings.max_sessions, settings.max_sessions_per_client, busy,
                              [&context, &etrn_runs](int fd) {
        EtrnServerSession session(std::make_unique<FdStream>(fd), peer_address(fd), peer_port(fd), context, etrn_runs);
        session.run();
    });
    TcpListener policy_listener("policy", settings.max_sessions, 0, "", [&context, &etrn_runs](int fd) {
        PolicySession session(std::make_unique<FdStream>(fd), context, etrn_runs);
        session.run();
    });
    try {
        atrn_listener.open(settings.listen, 366);
        etrn_listener.open(settings.etrn_listen, 25);
        policy_listener.open(settings.policy_listen, 10031);
    } catch (const std::exception& error) {
        log::startup_error(error.what());
        return exit_os_error;
    }

    // Every socket is bound; no client byte has been read yet.
    if (!drop_to_user(settings)) return exit_os_error;
    try {
        atrn_listener.start();
        etrn_listener.start();
        policy_listener.start();
    } catch (const std::exception& error) {
        log::startup_error(error.what());
        return exit_os_error;
    }
    log::info(concat("odmrd started: ", count_of(loaded->queue_domains.domains().size(), "queue domain"), ", ",
                     count_of(loaded->accounts.size(), "account")));

    wait_for_signals(signals, settings, tables);

    // Sessions still running are cut off: Postfix keeps every message whose
    // delivery did not finish, so nothing is lost.
    std::_Exit(0);
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    return run(argc, argv);
}
