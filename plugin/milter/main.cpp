// odmr-milter: per-domain limits on held mail at SMTP time.
//
// SYNOPSIS
//   odmr-milter [--config FILE] [--foreground] [--name value ...]
//   odmr-milter --check-config
//
// A provider that holds mail for an offline customer has no Postfix
// setting that limits how much it holds per destination. odmr-milter
// rejects recipients of a queue domain that is at its max_messages or
// max_bytes with 452, and mail larger than the domain's max_message_size
// with 552, so the sending server keeps the mail instead of the provider
// bouncing it later. It counts the held mail by listing Postfix's queue
// (postqueue -j) in the background every refresh_interval; a RCPT never
// waits for a listing. It also answers ATRN sent to the MTA with a pointer
// to the ODMR port.
//
// Run it as smtpd_milters and non_smtpd_milters (see
// conf-examples/postfix/main.cf.milter). Restart it after editing the
// queue-domain table: libmilter stops the milter on SIGHUP.
//
// Exit status: 0 after SIGTERM or SIGINT, 1 when libmilter fails, 64 for a
// command line error, 78 for a configuration error, 71 when the socket
// cannot be opened.

#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "plugin/host/postfix_queue.hpp"
#include "plugin/milter/held_mail_accounting.hpp"
#include "plugin/milter/libmilter_binding.hpp"
#include "plugin/milter/milter_settings.hpp"
#include "plugin/milter/queue_refresher.hpp"
#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace {

using namespace odmr;

constexpr int exit_usage = 64;
constexpr int exit_os_error = 71;
constexpr int exit_config = 78;

void print_summary(const MilterSettings& settings, const QueueDomainTable& table) {
    std::cout << "settings file: " << settings.config_file << "\n"
              << "listen: " << settings.socket.postfix_form << "\n"
              << "queue domains (" << settings.queue_domains_file << "): " << table.domains().size() << "\n";
    for (const auto& [name, domain] : table.domains()) {
        std::cout << "  " << name << " max_messages=" << domain.max_messages << " max_bytes=" << domain.max_bytes
                  << " max_message_size=" << domain.max_message_size << "\n";
    }
    std::cout << "refresh_interval: " << settings.refresh_interval.count() << " seconds\n";
}

int run(int argc, char** argv) {
    MilterCommand command;
    try {
        command = parse_milter_command(argc, argv);
    } catch (const boost::program_options::error& error) {
        std::cerr << "odmr-milter: " << error.what() << "; run odmr-milter --help for the options\n";
        return exit_usage;
    } catch (const ConfigError& error) {
        std::cerr << "odmr-milter: " << error.what() << "\n";
        return exit_config;
    }

    const MilterSettings& settings = command.settings;
    if (command.action == MilterAction::help) {
        std::cout << command.help_text;
        return 0;
    }
    if (command.action == MilterAction::version) {
        std::cout << "odmr-milter 0.1.0\n";
        return 0;
    }

    const bool checking = command.action == MilterAction::check_config;
    log::open({"odmr-milter", settings.syslog && !checking, settings.log_to_stderr || checking, settings.verbose});

    std::shared_ptr<const QueueDomainTable> table;
    try {
        table = std::make_shared<const QueueDomainTable>(QueueDomainTable::load(settings.queue_domains_file));
        check_system_settings(command);
    } catch (const ConfigError& error) {
        log::startup_error(error.what());
        return exit_config;
    }
    if (checking) {
        print_summary(settings, *table);
        return 0;
    }

    // libmilter's signal thread waits for these signals; threads started
    // before smfi_main must not take them instead, so block them first.
    sigset_t signals;
    sigemptyset(&signals);
    for (const int number : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, number);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    const LimitPolicy policy{table, settings.odmr_port, settings.etrn_port};
    HeldMailAccounting accounting;
    try {
        open_milter_socket(settings, policy, accounting);
    } catch (const std::runtime_error& error) {
        log::startup_error(error.what());
        return exit_os_error;
    }

    PostfixQueue host(settings.postfix);
    QueueRefresher refresher(host, table, accounting, settings.refresh_interval);
    refresher.start();
    log::info(concat("odmr-milter started on ", settings.socket.postfix_form, ": ", table->domains().size(),
                     " queue domains, queue listing every ", settings.refresh_interval.count(), " seconds"));

    const bool served = serve_milter();
    refresher.stop();
    log::info(served ? "odmr-milter stopped" : "odmr-milter stopped: libmilter failed");
    return served ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    return run(argc, argv);
}
