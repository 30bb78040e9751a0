// A provider Postfix for the milter benchmark: the conf-examples snippets,
// odmr-milter on its main smtpd, a second smtpd without the milter, and a
// queue filled with held messages by smtp-source, Postfix's own load
// generator. Filling 100,000 messages takes minutes, so a directory named
// in ODMR_BENCH_DIRECTORY is kept and its queue reused by the next run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "plugin/host/postfix_queue.hpp"
#include "plugin/tables/queue_domain_table.hpp"
#include "tests/harness/odmrd_instance.hpp"
#include "tests/harness/postfix_instance.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/milter/milter_instance.hpp"

namespace odmr::bench {

class HeldQueueProvider {
public:
    // The queue domains, each with limits no benchmark reaches, so every
    // RCPT passes the whole check.
    static constexpr const char* queue_domains[] = {"example.com max_messages=10000000 max_bytes=100G",
                                                    "example.net max_messages=10000000 max_bytes=100G"};

    explicit HeldQueueProvider(std::size_t messages);
    ~HeldQueueProvider();

    // Starts Postfix and fills the queue up to the number of messages.
    void start();

    // Runs odmr-milter with this refresh interval, restarting it when it
    // runs with another one. Returns when its first listing is done.
    void use_milter(int refresh_interval);

    std::uint16_t milter_port() const { return provider_->smtp_port(); }
    pid_t milter_pid() const { return milter_ ? milter_->pid() : -1; }
    std::uint16_t plain_port() const { return plain_port_; }
    std::size_t queued_messages() const;
    std::size_t held_messages() const;  // in the deferred queue only

    // The CPU seconds that this instance's showq processes, which serve
    // postqueue -j, have used so far.
    double showq_cpu_seconds() const;
    PostfixQueueSettings postqueue_settings() const;
    const QueueDomainTable& table() const { return *table_; }

private:
    void fill();

    std::optional<test::TempDirectory> temporary_;
    std::string directory_;
    std::size_t messages_;
    std::unique_ptr<test::PostfixInstance> provider_;
    std::unique_ptr<test::OdmrdInstance> odmrd_;  // for its transport map only
    std::unique_ptr<test::MilterInstance> milter_;
    int milter_interval_ = 0;
    std::uint16_t milter_socket_port_ = 0;
    std::uint16_t plain_port_ = 0;
    std::unique_ptr<QueueDomainTable> table_;
};

}  // namespace odmr::bench
