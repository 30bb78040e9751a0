#include "plugin/milter/queue_refresher.hpp"

#include <set>

#include "smtp/domain.hpp"
#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

QueueListing list_queue(HostQueue& host, const QueueDomainTable& queue_domains) {
    QueueListing listing;
    listing.started = Clock::now();

    const auto is_queue_domain = [&](std::string_view domain) { return queue_domains.find(domain) != nullptr; };
    host.visit_held(is_queue_domain, [&](const HeldMessage& message) {
        // A message counts once per domain, however many of its
        // recipients are in that domain.
        std::set<std::string> domains;
        for (const auto& recipient : message.recipients) domains.insert(domain_of(recipient));
        for (const auto& domain : domains) {
            DomainUsage& usage = listing.usage[domain];
            usage.messages += 1;
            usage.bytes += message.size;
        }
        listing.queue_ids.insert(message.queue_id);
    });
    return listing;
}

QueueRefresher::QueueRefresher(HostQueue& host, std::shared_ptr<const QueueDomainTable> queue_domains,
                               HeldMailAccounting& accounting, Seconds interval)
    : host_(host), queue_domains_(std::move(queue_domains)), accounting_(accounting), interval_(interval) {}

QueueRefresher::~QueueRefresher() { stop(); }

void QueueRefresher::start() { thread_ = std::thread([this] { run(); }); }

void QueueRefresher::stop() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void QueueRefresher::refresh() {
    const auto started = Clock::now();
    const QueueListing listing = list_queue(host_, *queue_domains_);
    accounting_.apply(listing);

    const auto took = std::chrono::duration_cast<Milliseconds>(Clock::now() - started);
    log::debug(concat("queue listing: ", listing.queue_ids.size(), " messages for queue domains in ", took.count(),
                      " ms; ", accounting_.accepted_count(), " accepted messages not listed yet"));

    // Warns once when it starts: a listing costs CPU in proportion to the
    // whole queue, and the admin chooses how often to pay it.
    const bool slow = took * 2 > interval_;
    if (slow && !slow_) {
        log::warning(concat("a queue listing took ", took.count(), " ms, more than half of refresh_interval (",
                            interval_.count(), " s); raise refresh_interval to lower the load"));
    }
    slow_ = slow;
}

// Logs the first failure of a run and every tenth after it, so a stopped
// Postfix does not fill the log with one line per interval.
void QueueRefresher::report_failure(const std::string& error) {
    ++failures_;
    if (failures_ == 1 || failures_ % 10 == 0 || error != last_error_) {
        log::error(concat("queue listing failed (failure ", failures_, "), keeping the last counts: ", error));
    }
    last_error_ = error;
}

void QueueRefresher::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        try {
            refresh();
            if (failures_ > 0) log::info(concat("queue listing works again after ", failures_, " failures"));
            failures_ = 0;
            last_error_.clear();
        } catch (const std::exception& error) {
            report_failure(error.what());
        }
        lock.lock();
        wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
}

}  // namespace odmr
