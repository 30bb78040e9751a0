// odmr-fetch: the customer side of on-demand mail relay.
//
// SYNOPSIS
//   odmr-fetch [--config FILE] [--foreground] [--name value ...]
//   odmr-fetch --once [--job NAME ...]
//   odmr-fetch --check-config [--job NAME ...]
//
// odmr-fetch runs the download jobs of its jobs table. An ETRN job requests
// that the provider deliver held mail to this host's fixed address. An ATRN job
// logs in at the provider's ODMR port, and after ATRN relays the provider's
// turned-around session into the local MTA, so that the local MTA's own
// restrictions, filters and delivery apply.
//
// As a daemon it runs each job on its schedule; SIGHUP reloads the jobs
// table and the passwords file, and SIGTERM lets the message in flight
// finish and then exits.
//
// Exit status: 0 on success; with --once 75 when a job failed for a reason
// that may pass and 1 when one failed for good; 64 for a command line
// error, 78 for a configuration error.

#include <signal.h>
#include <time.h>

#include <atomic>
#include <iostream>
#include <string>

#include "shim/fetch_settings.hpp"
#include "shim/job_runner.hpp"
#include "shim/jobs_table.hpp"
#include "shim/scheduler.hpp"
#include "smtp/log.hpp"
#include "smtp/table_file.hpp"
#include "smtp/text.hpp"

namespace {

using namespace odmr;

constexpr int exit_permanent_failure = 1;
constexpr int exit_usage = 64;
constexpr int exit_temporary_failure = 75;
constexpr int exit_config = 78;

std::atomic<bool> stopping{false};

void request_stop(int) { stopping = true; }

JobsTable load_table(const FetchSettings& settings) {
    return load_jobs_table(settings.jobs_file, settings.passwords_file, settings.job_defaults);
}

// The jobs --job names, in the order given; all jobs without --job.
std::vector<const Job*> select_jobs(const JobsTable& table, const FetchCommand& command) {
    std::vector<const Job*> selected;
    if (command.job_names.empty()) {
        for (const auto& job : table.jobs) selected.push_back(&job);
        return selected;
    }
    for (const auto& name : command.job_names) {
        const Job* job = table.find(name);
        if (job == nullptr) {
            throw ConfigError(command.settings.jobs_file, 0,
                              concat("no job named '", printable(name, 60), "'; run odmr-fetch --check-config for the list"));
        }
        selected.push_back(job);
    }
    return selected;
}

std::string no_jobs_warning(const FetchSettings& settings) {
    return concat(settings.jobs_file, " defines no jobs; add one line per job: name provider mode parameters schedule "
                  "[option=value ...]");
}

int check_config(const FetchCommand& command, const JobsTable& table) {
    const FetchSettings& settings = command.settings;
    std::cout << "settings file: " << settings.config_file << "\n"
              << "jobs table: " << settings.jobs_file << "\n"
              << "passwords file: " << (settings.passwords_file.empty() ? "(none)" : settings.passwords_file) << "\n"
              << "retry: " << settings.retry_delay.count() << "s doubling up to " << settings.max_retry_delay.count()
              << "s; jitter up to " << settings.max_jitter.count() << "s\n"
              << "jobs: " << table.jobs.size() << "\n";

    // A table without jobs is valid, so the daemon can start before the
    // first job is written, but the admin most likely forgot something.
    if (table.jobs.empty()) std::cerr << "odmr-fetch: warning: " << no_jobs_warning(settings) << "\n";

    for (const Job* job : select_jobs(table, command)) {
        std::cout << "  " << job->describe() << "\n"
                  << "    " << describe_job_options(job->options) << "\n";
    }
    return 0;
}

int run_once(const FetchCommand& command, const JobsTable& table) {
    struct sigaction action{};
    action.sa_handler = request_stop;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    // A timer that runs --once with an empty table would otherwise do
    // nothing without a word.
    if (table.jobs.empty()) log::warning(no_jobs_warning(command.settings));

    const JobContext context{command.settings, stopping};
    bool temporary = false;
    bool permanent = false;
    for (const Job* job : select_jobs(table, command)) {
        if (stopping) break;
        const JobResult result = run_job(*job, context);
        temporary = temporary || result.outcome == JobOutcome::transient_failure;
        permanent = permanent || result.outcome == JobOutcome::permanent_failure;
    }
    if (permanent) return exit_permanent_failure;
    return temporary ? exit_temporary_failure : 0;
}

// Reloads the tables on SIGHUP; a table with an error leaves the old one
// in force.
void reload(const FetchSettings& settings, Scheduler& scheduler) {
    try {
        const JobsTable table = load_table(settings);
        scheduler.load(table);
        log::info(concat("reloaded the jobs table: ", table.jobs.size(), " jobs"));
    } catch (const ConfigError& error) {
        log::error(concat("reload failed, keeping the old jobs: ", error.what()));
    }
}

int run_daemon(const FetchSettings& settings, const JobsTable& table) {
    // Signals go to this thread only, through sigtimedwait; every job
    // thread inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    for (const int number : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, number);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    const JobContext context{settings, stopping};
    Scheduler scheduler(RetryPolicy{settings.retry_delay, settings.max_retry_delay, settings.max_jitter},
                        [&context](const Job& job) { return run_job(job, context); });
    log::info(concat("odmr-fetch started: ", table.jobs.size(), " jobs from ", settings.jobs_file));
    if (table.jobs.empty()) log::warning(no_jobs_warning(settings));
    scheduler.load(table);

    while (true) {
        scheduler.reap();
        const auto now = WallClock::now();
        const auto next = scheduler.start_due_jobs(now);

        // Waking at least once a second reaps finished runs promptly.
        auto wait = std::chrono::milliseconds(1000);
        if (next) wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*next - now),
                                    std::chrono::milliseconds(10), wait);
        const timespec timeout{static_cast<time_t>(wait.count() / 1000), static_cast<long>(wait.count() % 1000) * 1000000};

        const int number = sigtimedwait(&signals, nullptr, &timeout);
        if (number == SIGHUP) reload(settings, scheduler);
        if (number == SIGTERM || number == SIGINT) break;
    }

    stopping = true;
    log::info(concat("stopping on request; waiting for ", scheduler.running(), " running jobs"));
    scheduler.wait_all();
    log::info("odmr-fetch stopped");
    return 0;
}

int run(int argc, char** argv) {
    FetchCommand command;
    try {
        command = parse_fetch_command(argc, argv);
    } catch (const boost::program_options::error& error) {
        std::cerr << "odmr-fetch: " << error.what() << "; run odmr-fetch --help for the options\n";
        return exit_usage;
    } catch (const ConfigError& error) {
        std::cerr << "odmr-fetch: " << error.what() << "\n";
        return exit_config;
    }

    const FetchSettings& settings = command.settings;
    if (command.action == FetchAction::help) {
        std::cout << command.help_text;
        return 0;
    }
    if (command.action == FetchAction::version) {
        std::cout << "odmr-fetch 0.1.0\n";
        return 0;
    }

    const bool interactive = command.action != FetchAction::daemon;
    log::open({"odmr-fetch", settings.syslog && command.action != FetchAction::check_config,
               settings.log_to_stderr || interactive, settings.verbose});

    try {
        const JobsTable table = load_table(settings);
        if (command.action == FetchAction::check_config) return check_config(command, table);
        if (command.action == FetchAction::once) return run_once(command, table);
        return run_daemon(settings, table);
    } catch (const ConfigError& error) {
        if (command.action == FetchAction::check_config || !settings.log_to_stderr) {
            std::cerr << "odmr-fetch: " << error.what() << "\n";
        }
        if (command.action != FetchAction::check_config) log::error(error.what());
        return exit_config;
    }
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    return run(argc, argv);
}
