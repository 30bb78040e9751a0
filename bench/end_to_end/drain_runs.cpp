#include "bench/end_to_end/drain_runs.hpp"

#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "smtp/text.hpp"
#include "tests/harness/fetch_instance.hpp"
#include "tests/harness/mail_client.hpp"
#include "tests/harness/network.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/harness/text_search.hpp"

namespace odmr::bench {

namespace {

using namespace std::chrono_literals;

// Far beyond any run of 10,000 messages of 100 KB; a run that takes this
// long has failed.
constexpr auto run_timeout = 1h;

constexpr const char* atrn_session_end = "session=atrn end";
constexpr const char* etrn_session_end = "session=etrn end";

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

// A field of /proc/PID/status in kilobytes ("VmHWM:", "VmRSS:").
long process_status_kb(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(field, 0) == 0) return std::strtol(line.c_str() + field.size(), nullptr, 10);
    }
    throw std::runtime_error(concat("no ", field, " in /proc/", pid, "/status"));
}

// Writing 5 to clear_refs resets the peak resident set size (VmHWM) to the
// current one (proc(5)), so a long-running odmrd's peak covers one run.
void reset_peak_rss(pid_t pid) {
    std::ofstream clear("/proc/" + std::to_string(pid) + "/clear_refs");
    clear << "5";
    if (!clear.flush()) throw std::runtime_error(concat("cannot reset the peak RSS of process ", pid));
}

// The first line of output that contains both markers, and when it came.
class LineWatch {
public:
    LineWatch(std::string first, std::string second) : first_(std::move(first)), second_(std::move(second)) {}

    void see(const std::string& line, Clock::time_point arrived) {
        if (line.find(first_) == std::string::npos || line.find(second_) == std::string::npos) return;
        const std::lock_guard lock(mutex_);
        if (!seen_) seen_ = arrived;
    }

    std::optional<Clock::time_point> seen() const {
        const std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    std::string first_;
    std::string second_;
    mutable std::mutex mutex_;
    std::optional<Clock::time_point> seen_;
};

// Waits until odmrd has logged the end of one more session of the kind
// ("session=atrn end" or "session=etrn end"), which is when it gives the
// domain's lock back. Returns the time it saw the line.
Clock::time_point wait_for_session_end(test::OdmrdInstance& odmrd, const std::string& marker, std::size_t before) {
    const bool ended = test::wait_until([&] { return test::count_occurrences(odmrd.log(), marker) > before; }, 2min);
    if (!ended) {
        throw std::runtime_error(concat("odmrd logged no \"", marker, "\" within 2 minutes after the run; see odmrd.log beside ",
                                        odmrd.config_file()));
    }
    return Clock::now();
}

void wait_until_drained(const test::PostfixInstance& postfix) {
    const bool drained = test::wait_until(
        [&] {
            return queue_files(postfix, "deferred") == 0 && queue_files(postfix, "active") == 0 &&
                   queue_files(postfix, "incoming") == 0;
        },
        2min);
    if (!drained) {
        throw std::runtime_error("messages stayed in the queue of " + postfix.directory() + " for 2 minutes after the run");
    }
}

void wait_for_all(const MessageSink& sink, std::uint64_t expected, const std::string& path) {
    if (!sink.wait_for_messages(expected, run_timeout)) {
        throw std::runtime_error(concat(path, ": the sink has ", sink.messages(), " messages, expected ", expected));
    }
}

// Fills in the times measured at the sink for the messages after `before`.
void time_messages(DrainMeasurement& measurement, const MessageSink& sink, std::uint64_t before,
                   Clock::time_point reply) {
    const Clock::time_point first = sink.arrival_of(before + 1);
    const Clock::time_point last = sink.arrival_of(before + measurement.messages);
    measurement.first_message = seconds_between(reply, first);
    measurement.delivery = seconds_between(reply, last);
}

std::unique_ptr<test::ScriptedClient> greeted_client(std::uint16_t port) {
    auto client = std::make_unique<test::ScriptedClient>(port);
    if (client->read_reply().code != 220) throw std::runtime_error(concat("no 220 greeting on port ", port));
    if (client->command("EHLO client.test").code != 250) throw std::runtime_error(concat("EHLO failed on port ", port));
    return client;
}

}  // namespace

DrainMeasurement drain_with_postfix_etrn(DrainContext& context, PostfixEtrnProvider& provider, const MessageLoad& load) {
    const HeldQueue held =
        fill_held_queue(provider.postfix(), load, context.work_directory + "/smtp-source-postfix-etrn.log");
    const std::uint64_t before = context.sink.messages();
    DrainMeasurement measurement{held.messages, held.bytes};

    const auto start = Clock::now();
    auto client = greeted_client(provider.postfix().smtp_port());
    const Reply reply = client->command("ETRN example.com");
    const auto replied = Clock::now();
    if (reply.code != 250) throw std::runtime_error("Postfix rejected ETRN: " + reply.summary());
    client->command("QUIT");

    wait_for_all(context.sink, before + held.messages, "Postfix ETRN");
    time_messages(measurement, context.sink, before, replied);
    measurement.from_start = seconds_between(start, context.sink.arrival_of(before + held.messages));
    measurement.total = measurement.from_start;
    wait_until_drained(provider.postfix());
    return measurement;
}

DrainMeasurement drain_with_odmr_fetch(DrainContext& context, OdmrProvider& provider, const MessageLoad& load) {
    const HeldQueue held = fill_held_queue(provider.postfix(), load, context.work_directory + "/smtp-source-odmr.log");
    const std::uint64_t before = context.sink.messages();
    DrainMeasurement measurement{held.messages, held.bytes};

    test::OdmrFetchInstance fetch(context.work_directory + "/odmr-fetch");
    fetch.write_jobs({concat("bench 127.0.0.1:", provider.odmrd().port(), " atrn example.com;", OdmrProvider::login, ":",
                             OdmrProvider::password, " on-demand relay=inet:", MessageSink::address, ":",
                             context.sink.port())});

    const pid_t odmrd = provider.odmrd_pid();
    const std::size_t sessions_before = test::count_occurrences(provider.odmrd().log(), atrn_session_end);
    measurement.odmrd_rss_before_kb = process_status_kb(odmrd, "VmRSS:");
    reset_peak_rss(odmrd);

    // odmr-fetch logs "bench: ATRN example.com at ...: 250 ..." as soon as
    // the reply arrives, and flushes each line.
    LineWatch atrn_reply("bench: ATRN ", ": 250 ");
    std::vector<std::string> argv = context.fetch_prefix;
    argv.insert(argv.end(),
                {test::OdmrFetchInstance::binary(), "-c", fetch.config_file(), "--once", "--job", "bench", "-f"});
    TimedProcess client(argv, context.work_directory + "/odmr-fetch.log",
                        [&](const std::string& line, Clock::time_point arrived) { atrn_reply.see(line, arrived); });
    const auto exit = client.wait(run_timeout);
    const auto ended = Clock::now();
    if (!exit || exit->status != 0) {
        throw std::runtime_error("odmr-fetch did not finish the ATRN session; see " + context.work_directory +
                                 "/odmr-fetch.log");
    }
    if (!atrn_reply.seen()) throw std::runtime_error("odmr-fetch logged no 250 reply to ATRN");

    wait_for_all(context.sink, before + held.messages, "odmr-fetch");
    time_messages(measurement, context.sink, before, *atrn_reply.seen());
    measurement.from_start = seconds_between(client.started(), context.sink.arrival_of(before + held.messages));
    measurement.total = seconds_between(client.started(), ended);
    measurement.client_peak_rss_kb = exit->peak_rss_kilobytes;
    wait_for_session_end(provider.odmrd(), atrn_session_end, sessions_before);
    measurement.odmrd_peak_rss_kb = process_status_kb(odmrd, "VmHWM:");
    wait_until_drained(provider.postfix());
    return measurement;
}

DrainMeasurement drain_with_fetchmail(DrainContext& context, OdmrProvider& provider, const MessageLoad& load) {
    const HeldQueue held =
        fill_held_queue(provider.postfix(), load, context.work_directory + "/smtp-source-fetchmail.log");
    const std::uint64_t before = context.sink.messages();
    DrainMeasurement measurement{held.messages, held.bytes};

    // The rc file must be mode 0600 and its directory private. A pid file
    // of its own keeps fetchmail from taking root's lock for the machine.
    const std::string home = context.work_directory + "/fetchmail";
    test::make_directory(home, 0700);
    test::write_file(home + "/fetchmailrc",
                     concat("poll 127.0.0.1 service ", provider.odmrd().port(), " protocol ODMR\n", "  user \"",
                            OdmrProvider::login, "\" password \"", OdmrProvider::password, "\"\n",
                            "  fetchdomains example.com\n", "  smtphost ", MessageSink::address, "/",
                            context.sink.port(), "\n"),
                     0600);

    const pid_t odmrd = provider.odmrd_pid();
    const std::size_t sessions_before = test::count_occurrences(provider.odmrd().log(), atrn_session_end);
    measurement.odmrd_rss_before_kb = process_status_kb(odmrd, "VmRSS:");
    reset_peak_rss(odmrd);

    // fetchmail prints "Turnaround now..." right after the 250 to ATRN.
    LineWatch turnaround("fetchmail: ", "Turnaround now");
    TimedProcess client({"fetchmail", "-f", home + "/fetchmailrc", "--nosyslog", "--pidfile", home + "/fetchmail.pid"},
                        context.work_directory + "/fetchmail.log",
                        [&](const std::string& line, Clock::time_point arrived) { turnaround.see(line, arrived); },
                        {"FETCHMAILHOME=" + home});
    const auto exit = client.wait(run_timeout);
    const auto ended = Clock::now();
    if (!exit || exit->status != 0) {
        throw std::runtime_error("fetchmail did not finish the ODMR session; see " + context.work_directory +
                                 "/fetchmail.log");
    }

    wait_for_all(context.sink, before + held.messages, "fetchmail");
    measurement.reply_seen = turnaround.seen().has_value();
    time_messages(measurement, context.sink, before, turnaround.seen().value_or(client.started()));
    measurement.from_start = seconds_between(client.started(), context.sink.arrival_of(before + held.messages));
    measurement.total = seconds_between(client.started(), ended);
    measurement.client_peak_rss_kb = exit->peak_rss_kilobytes;
    wait_for_session_end(provider.odmrd(), atrn_session_end, sessions_before);
    measurement.odmrd_peak_rss_kb = process_status_kb(odmrd, "VmHWM:");
    wait_until_drained(provider.postfix());
    return measurement;
}

DrainMeasurement drain_with_odmrd_etrn(DrainContext& context, OdmrProvider& provider, const MessageLoad& load) {
    const HeldQueue held =
        fill_held_queue(provider.postfix(), load, context.work_directory + "/smtp-source-odmrd-etrn.log");
    const std::uint64_t before = context.sink.messages();
    DrainMeasurement measurement{held.messages, held.bytes};

    const pid_t odmrd = provider.odmrd_pid();
    const std::size_t sessions_before = test::count_occurrences(provider.odmrd().log(), etrn_session_end);
    measurement.odmrd_rss_before_kb = process_status_kb(odmrd, "VmRSS:");
    reset_peak_rss(odmrd);

    // odmrd replies 253 with the number of waiting messages (RFC 1985).
    const auto start = Clock::now();
    auto client = greeted_client(provider.etrn_port());
    const Reply reply = client->command("ETRN example.com");
    const auto replied = Clock::now();
    if (reply.code != 253 && reply.code != 250) throw std::runtime_error("odmrd rejected ETRN: " + reply.summary());
    client->command("QUIT");

    // odmrd's session ends with QUIT once nothing is left to deliver. Its
    // log line is read every 50 ms, which bounds the error of this end.
    wait_for_all(context.sink, before + held.messages, "odmrd ETRN");
    const auto ended = wait_for_session_end(provider.odmrd(), etrn_session_end, sessions_before);

    time_messages(measurement, context.sink, before, replied);
    measurement.from_start = seconds_between(start, context.sink.arrival_of(before + held.messages));
    measurement.total = seconds_between(start, ended);
    measurement.odmrd_peak_rss_kb = process_status_kb(odmrd, "VmHWM:");
    wait_until_drained(provider.postfix());
    return measurement;
}

}  // namespace odmr::bench
