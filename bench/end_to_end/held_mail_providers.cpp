#include "bench/end_to_end/held_mail_providers.hpp"

#include <filesystem>
#include <stdexcept>

#include "smtp/text.hpp"
#include "tests/harness/child_process.hpp"
#include "tests/harness/network.hpp"

namespace odmr::bench {

namespace {

using namespace std::chrono_literals;

// The same tuning for both providers. smtp-source fills the queue as fast
// as smtpd takes mail, with no flow-control pauses (held mail never leaves
// to make room). A day between retries keeps Postfix's own retries of
// deferred mail out of the runs. The limit lets the 50 MB message of the
// memory run in.
const std::vector<std::string> tuning{
    "in_flow_delay = 0",
    "minimal_backoff_time = 1d",
    "maximal_backoff_time = 1d",
    "message_size_limit = 104857600",
};

std::vector<std::string> example_lines(const std::string& file) {
    std::vector<std::string> lines;
    for (const auto line : split(test::conf_example(file), '\n')) lines.emplace_back(line);
    return lines;
}

}  // namespace

std::size_t queue_files(const test::PostfixInstance& postfix, const std::string& queue) {
    std::size_t count = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(postfix.directory() + "/queue/" + queue, error)) {
        if (entry.is_regular_file()) ++count;
    }
    return count;
}

HeldQueue fill_held_queue(const test::PostfixInstance& postfix, const MessageLoad& load, const std::string& log_file) {
    const auto queued = [&] {
        return queue_files(postfix, "incoming") + queue_files(postfix, "active") + queue_files(postfix, "deferred");
    };
    if (const std::size_t left = queued(); left != 0) {
        throw std::runtime_error(concat(left, " messages are still queued in ", postfix.directory(),
                                        " from an earlier run; each run must drain the queue"));
    }

    // Four sessions keep smtpd busy; more only add contention on two cores.
    const std::size_t sessions = std::min<std::size_t>(4, load.count);
    test::ChildProcess source({"/usr/sbin/smtp-source", "-s", std::to_string(sessions), "-m", std::to_string(load.count),
                               "-l", std::to_string(load.body_size), "-f", "sender@sender.test", "-t",
                               "held@example.com", concat(postfix.listen_address(), ":", postfix.smtp_port())},
                              log_file);
    const auto status = source.wait(1h);
    if (status != 0) throw std::runtime_error("smtp-source failed; see " + log_file);

    // Held means deferred by defer_transports: the queue manager has taken
    // every message out of the incoming and active queues.
    const bool settled = test::wait_until(
        [&] {
            return queue_files(postfix, "deferred") >= load.count && queue_files(postfix, "incoming") == 0 &&
                   queue_files(postfix, "active") == 0;
        },
        30min);
    if (!settled) {
        throw std::runtime_error(concat("the ", load.count, " messages in ", postfix.directory(),
                                        " were not all held after 30 minutes"));
    }

    HeldQueue held;
    for (const auto& message : postfix.queue()) {
        ++held.messages;
        held.bytes += message.size;
    }
    if (held.messages != load.count) {
        throw std::runtime_error(concat("postqueue -j lists ", held.messages, " messages in ", postfix.directory(),
                                        " after ", load.count, " were sent"));
    }
    return held;
}

PostfixEtrnProvider::PostfixEtrnProvider(const std::string& directory, const std::string& sink_address,
                                         std::uint16_t sink_port) {
    // One connection at a time, which is what one ATRN session is.
    test::PostfixOptions options;
    options.hostname = "provider.test";
    options.main_cf = {
        "relay_domains = example.com",
        concat("transport_maps = inline:{ {example.com = held-smtp:[", sink_address, "]:", sink_port, "} }"),
        "defer_transports = held-smtp",
        "fast_flush_domains = $relay_domains",
        "smtpd_etrn_restrictions = permit_mynetworks, reject",
        "held-smtp_destination_concurrency_limit = 1",
    };
    options.main_cf.insert(options.main_cf.end(), tuning.begin(), tuning.end());
    options.master_cf = {"held-smtp unix  -       -       n       -       -       smtp"};
    postfix_ = std::make_unique<test::PostfixInstance>(directory, options);
    postfix_->start();
}

OdmrProvider::OdmrProvider(const std::string& directory, const std::string& sink_address, std::uint16_t sink_port)
    : etrn_port_(test::free_port()) {
    test::PostfixOptions options;
    options.hostname = "provider.test";
    options.main_cf = example_lines("postfix/main.cf");
    options.main_cf.insert(options.main_cf.end(), tuning.begin(), tuning.end());
    options.master_cf = example_lines("postfix/master.cf");
    postfix_ = std::make_unique<test::PostfixInstance>(directory + "/postfix", options);

    // One domain for both ATRN (login alice) and ETRN to the sink's address.
    test::OdmrdOptions odmrd_options;
    odmrd_options.queue_domains = {
        concat("example.com etrn_address=[", sink_address, "]:", sink_port, " etrn_clients=127.0.0.1")};
    odmrd_options.accounts = {concat(login, " {PLAIN}", password, " example.com")};
    odmrd_options.settings = {concat("etrn_listen = 127.0.0.1:", etrn_port_), "etrn_min_interval = 0"};
    odmrd_ = std::make_unique<test::OdmrdInstance>(directory + "/odmrd", *postfix_, odmrd_options);

    postfix_->start();
    odmrd_->start();
}

OdmrProvider::~OdmrProvider() {
    // A restarted odmrd may run under a profiler, which needs a clean exit.
    if (restarted_) restarted_->stop(std::chrono::seconds(30));
}

pid_t OdmrProvider::odmrd_pid() { return restarted_ ? restarted_->pid() : odmrd_->process()->pid(); }

void OdmrProvider::restart_odmrd(const std::vector<std::string>& prefix) {
    odmrd_->stop();
    if (restarted_) restarted_->stop(std::chrono::seconds(30));
    restarted_.reset();

    // OdmrdInstance writes the daemon's output to odmrd.log beside its
    // settings file, where the runs look for its session lines.
    const std::string config = odmrd_->config_file();
    const std::string log = config.substr(0, config.rfind('/')) + "/odmrd.log";
    std::vector<std::string> argv = prefix;
    argv.insert(argv.end(), {test::OdmrdInstance::binary(), "-c", config, "-f", "-v"});
    restarted_ = std::make_unique<TimedProcess>(argv, log);
    if (!test::wait_for_port(odmrd_->port(), std::chrono::seconds(60))) {
        throw std::runtime_error(concat("the restarted odmrd does not listen on port ", odmrd_->port(), "; see ", log));
    }
}

}  // namespace odmr::bench
