// The background thread that lists the host queue (postqueue -j for
// Postfix) every refresh interval and hands the per-domain sums to
// HeldMailAccounting. RCPT checks never wait for it: between two listings
// they use the last one plus what the milter accepted since.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "plugin/host/host_queue.hpp"
#include "plugin/milter/held_mail_accounting.hpp"
#include "plugin/tables/queue_domain_table.hpp"

namespace odmr {

// Lists the host queue once and sums it per queue domain. Throws
// HostQueueError.
QueueListing list_queue(HostQueue& host, const QueueDomainTable& queue_domains);

class QueueRefresher {
public:
    QueueRefresher(HostQueue& host, std::shared_ptr<const QueueDomainTable> queue_domains,
                   HeldMailAccounting& accounting, Seconds interval);
    ~QueueRefresher();
    QueueRefresher(const QueueRefresher&) = delete;
    QueueRefresher& operator=(const QueueRefresher&) = delete;

    // Starts the thread; the first listing begins at once.
    void start();

    // Stops the thread, waiting for a listing in progress to end.
    void stop();

    // Lists the queue and applies the result. Throws HostQueueError.
    void refresh();

private:
    void run();
    void report_failure(const std::string& error);

    HostQueue& host_;
    std::shared_ptr<const QueueDomainTable> queue_domains_;
    HeldMailAccounting& accounting_;
    Seconds interval_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;

    std::string last_error_;  // the error of the failing run of listings, if any
    int failures_ = 0;
    bool slow_ = false;       // the last listing took more than half the interval
};

}  // namespace odmr
