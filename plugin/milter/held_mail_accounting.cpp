#include "plugin/milter/held_mail_accounting.hpp"

#include <algorithm>

namespace odmr {

namespace {

void add(DomainUsage& usage, std::uint64_t messages, std::uint64_t bytes) {
    usage.messages += messages;
    usage.bytes += bytes;
}

// Subtracts without wrapping below zero, so a bookkeeping slip can only
// make a count too low for one refresh interval, never huge.
void subtract(DomainUsage& usage, std::uint64_t messages, std::uint64_t bytes) {
    usage.messages -= std::min(usage.messages, messages);
    usage.bytes -= std::min(usage.bytes, bytes);
}

}  // namespace

HeldMailAccounting::HeldMailAccounting(Clock::duration grace_time) : grace_time_(grace_time) {}

bool HeldMailAccounting::counted() const {
    const std::lock_guard lock(mutex_);
    return counted_;
}

DomainUsage HeldMailAccounting::DomainCounters::total() const {
    DomainUsage sum = listed;
    add(sum, accepted.messages, accepted.bytes);
    add(sum, in_transaction.messages, in_transaction.bytes);
    return sum;
}

DomainUsage HeldMailAccounting::usage(std::string_view domain) const {
    const std::lock_guard lock(mutex_);
    const auto found = domains_.find(domain);
    return found == domains_.end() ? DomainUsage{} : found->second.total();
}

// A message without SIZE counts as 0 bytes until its end, so it is turned
// away only when the domain is already at max_bytes.
static bool within_limits(const DomainUsage& usage, const HeldLimits& limits, std::uint64_t declared_size) {
    if (limits.max_messages > 0 && usage.messages >= limits.max_messages) return false;
    if (limits.max_bytes > 0 && (usage.bytes >= limits.max_bytes || declared_size > limits.max_bytes - usage.bytes)) {
        return false;
    }
    return true;
}

Reservation HeldMailAccounting::reserve(const std::string& domain, const HeldLimits& limits,
                                        std::uint64_t declared_size) {
    const std::lock_guard lock(mutex_);
    DomainCounters& counters = domains_[domain];
    Reservation result{Reservation::Outcome::reserved, counters.total()};

    if (!counted_) {
        result.outcome = Reservation::Outcome::not_counted;
        return result;
    }
    if (!within_limits(result.usage, limits, declared_size)) {
        result.outcome = Reservation::Outcome::over_limit;
        return result;
    }
    add(counters.in_transaction, 1, declared_size);
    return result;
}

void HeldMailAccounting::cancel(const std::string& domain, std::uint64_t declared_size) {
    const std::lock_guard lock(mutex_);
    subtract(domains_[domain].in_transaction, 1, declared_size);
}

void HeldMailAccounting::forget_accepted(const AcceptedMessage& message) {
    for (const auto& domain : message.domains) subtract(domains_[domain].accepted, 1, message.size);
}

void HeldMailAccounting::accept(const std::string& queue_id,
                                const std::map<std::string, std::uint64_t>& reserved_domains, std::uint64_t size) {
    const std::lock_guard lock(mutex_);

    // The same queue id twice would count one queue file twice.
    if (const auto old = accepted_.find(queue_id); old != accepted_.end()) {
        forget_accepted(old->second);
        accepted_.erase(old);
    }

    AcceptedMessage message{Clock::now(), {}, size};
    for (const auto& [domain, declared_size] : reserved_domains) {
        DomainCounters& counters = domains_[domain];
        subtract(counters.in_transaction, 1, declared_size);
        add(counters.accepted, 1, size);
        message.domains.insert(domain);
    }
    accepted_.emplace(queue_id, std::move(message));
}

void HeldMailAccounting::apply(const QueueListing& listing) {
    const std::lock_guard lock(mutex_);

    for (auto& [domain, counters] : domains_) counters.listed = {};
    for (const auto& [domain, usage] : listing.usage) domains_[domain].listed = usage;

    for (auto entry = accepted_.begin(); entry != accepted_.end();) {
        const bool listed = listing.queue_ids.count(entry->first) > 0;
        const bool gone = !listed && entry->second.time + grace_time_ < listing.started;
        if (listed || gone) {
            forget_accepted(entry->second);
            entry = accepted_.erase(entry);
        } else {
            ++entry;
        }
    }
    counted_ = true;
}

std::size_t HeldMailAccounting::accepted_count() const {
    const std::lock_guard lock(mutex_);
    return accepted_.size();
}

}  // namespace odmr
