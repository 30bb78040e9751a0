#include "bench/milter/held_queue_provider.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include "smtp/text.hpp"
#include "tests/harness/child_process.hpp"
#include "tests/harness/network.hpp"

namespace odmr::bench {

namespace {

using namespace std::chrono_literals;

std::vector<std::string> example_lines(const std::string& file, const std::string& milter_socket) {
    const std::string example = test::conf_example(file);
    std::vector<std::string> lines;
    for (auto line : split(example, '\n')) {
        std::string text(line);
        const std::string placeholder = "inet:127.0.0.1:8366";
        if (const auto at = text.find(placeholder); at != std::string::npos) text.replace(at, placeholder.size(), milter_socket);
        lines.push_back(text);
    }
    return lines;
}

std::size_t count_files(const std::string& directory) {
    std::size_t count = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(directory, error)) {
        if (entry.is_regular_file()) ++count;
    }
    return count;
}

}  // namespace

HeldQueueProvider::HeldQueueProvider(std::size_t messages) : messages_(messages) {
    if (const char* kept = std::getenv("ODMR_BENCH_DIRECTORY"); kept != nullptr && *kept != '\0') {
        directory_ = kept;
        test::make_directory(directory_, 0755);
    } else {
        temporary_.emplace("odmr-bench");
        directory_ = temporary_->path();
    }

    std::vector<std::string> table_lines(std::begin(queue_domains), std::end(queue_domains));
    std::string table_text;
    for (const auto& line : table_lines) table_text += line + "\n";
    test::write_file(directory_ + "/queue-domains", table_text);
    table_ = std::make_unique<QueueDomainTable>(QueueDomainTable::load(directory_ + "/queue-domains"));

    milter_socket_port_ = test::free_port();
    plain_port_ = test::free_port();
    const std::string milter_socket = "inet:127.0.0.1:" + std::to_string(milter_socket_port_);

    test::PostfixOptions options;
    options.hostname = "provider.test";
    options.main_cf = example_lines("postfix/main.cf", milter_socket);
    for (const auto& line : example_lines("postfix/main.cf.milter", milter_socket)) options.main_cf.push_back(line);
    // A benchmark client sends MAIL, RCPT and RSET in a loop; Postfix
    // would count each RSET after the hundredth as a junk command. The
    // fill pauses no sender for flow control, because held mail never
    // leaves the queue to make room. Postfix retries deferred mail, held
    // mail too, after minimal_backoff_time; a day between retries keeps
    // that work of Postfix's own out of the measurements.
    options.main_cf.push_back("smtpd_junk_command_limit = 1000000000");
    options.main_cf.push_back("in_flow_delay = 0");
    options.main_cf.push_back("minimal_backoff_time = 1d");
    options.main_cf.push_back("maximal_backoff_time = 1d");
    options.master_cf = example_lines("postfix/master.cf", milter_socket);
    options.master_cf.push_back("127.0.0.1:" + std::to_string(plain_port_) + " inet n - n - - smtpd -o smtpd_milters=");
    provider_ = std::make_unique<test::PostfixInstance>(directory_ + "/provider", options);

    test::OdmrdOptions odmrd_options;
    odmrd_options.queue_domains = table_lines;
    odmrd_ = std::make_unique<test::OdmrdInstance>(directory_ + "/odmrd", *provider_, odmrd_options);
}

HeldQueueProvider::~HeldQueueProvider() {
    milter_.reset();
    provider_.reset();
}

void HeldQueueProvider::start() {
    provider_->start();
    fill();
}

std::size_t HeldQueueProvider::queued_messages() const {
    std::size_t count = 0;
    for (const char* queue : {"incoming", "active", "deferred", "maildrop"}) {
        count += count_files(directory_ + "/provider/queue/" + queue);
    }
    return count;
}

double HeldQueueProvider::showq_cpu_seconds() const {
    const std::string master = test::read_file(directory_ + "/provider/queue/pid/master.pid");
    const long master_pid = std::strtol(master.c_str(), nullptr, 10);
    const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));

    // /proc/PID/stat: "pid (comm) state ppid ..." with utime and stime as
    // the 14th and 15th fields, in clock ticks.
    double seconds = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
        const std::string stat = test::read_file(entry.path().string() + "/stat");
        const auto name_end = stat.rfind(')');
        if (name_end == std::string::npos || stat.find("(showq)") == std::string::npos) continue;

        std::istringstream fields(stat.substr(name_end + 2));
        std::string state;
        long parent = 0;
        fields >> state >> parent;
        if (parent != master_pid) continue;
        std::string skipped;
        for (int field = 5; field < 14; ++field) fields >> skipped;
        double user_ticks = 0;
        double system_ticks = 0;
        fields >> user_ticks >> system_ticks;
        seconds += (user_ticks + system_ticks) / ticks_per_second;
    }
    return seconds;
}

std::size_t HeldQueueProvider::held_messages() const {
    return count_files(directory_ + "/provider/queue/deferred");
}

void HeldQueueProvider::fill() {
    const std::size_t present = queued_messages();
    if (present < messages_) {
        const std::size_t missing = messages_ - present;
        std::cerr << "filling the queue of " << directory_ << ": " << present << " messages, adding " << missing
                  << " with smtp-source\n";

        // One smtp-source per queue domain, each with a few sessions.
        std::vector<std::unique_ptr<test::ChildProcess>> sources;
        for (std::size_t i = 0; i < std::size(queue_domains); ++i) {
            const std::string domain(split_words(queue_domains[i]).front());
            const std::size_t count = missing / std::size(queue_domains) + (i == 0 ? missing % std::size(queue_domains) : 0);
            sources.push_back(std::make_unique<test::ChildProcess>(
                std::vector<std::string>{"/usr/sbin/smtp-source", "-s", "4", "-m", std::to_string(count), "-f",
                                         "sender@sender.test", "-t", "held@" + domain,
                                         "127.0.0.1:" + std::to_string(plain_port_)},
                directory_ + "/smtp-source-" + domain + ".log"));
        }
        for (auto& source : sources) {
            const auto status = source->wait(std::chrono::hours(2));
            if (status != 0) throw std::runtime_error("smtp-source failed:\n" + source->output());
        }
    }

    // Held means deferred: wait until the queue manager has moved every
    // message out of the incoming and active queues.
    const bool settled = test::wait_until(
        [&] {
            return count_files(directory_ + "/provider/queue/incoming") == 0 &&
                   count_files(directory_ + "/provider/queue/active") == 0;
        },
        std::chrono::hours(1));
    if (!settled) throw std::runtime_error("the queue did not settle:\n" + provider_->log().substr(0, 2000));
    std::cerr << "queue ready: " << queued_messages() << " held messages\n";
}

void HeldQueueProvider::use_milter(int refresh_interval) {
    if (milter_ && milter_interval_ == refresh_interval) return;
    milter_.reset();

    test::MilterOptions options;
    options.queue_domains.assign(std::begin(queue_domains), std::end(queue_domains));
    options.refresh_interval = refresh_interval;
    options.port = milter_socket_port_;
    milter_ = std::make_unique<test::MilterInstance>(directory_ + "/milter", directory_ + "/provider", options);
    milter_->start();
    milter_interval_ = refresh_interval;
}

PostfixQueueSettings HeldQueueProvider::postqueue_settings() const {
    PostfixQueueSettings settings;
    settings.config_directory = directory_ + "/provider";
    settings.timeout = Seconds(600);
    return settings;
}

}  // namespace odmr::bench
