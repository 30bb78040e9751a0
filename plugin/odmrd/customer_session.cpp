#include "plugin/odmrd/customer_session.hpp"

#include "smtp/domain.hpp"
#include "smtp/text.hpp"

namespace odmr {

CustomerSession::CustomerSession(SessionIdentity identity, Connection& customer, Capabilities capabilities)
    : identity_(std::move(identity)), customer_(customer), capabilities_(std::move(capabilities)) {}

bool SessionIdentity::covers(std::string_view domain) const {
    const std::string lower = to_lower(domain);
    if (domains.count(lower) > 0) return true;
    if (!include_subdomains) return false;
    for (const auto& parent : domains) {
        if (is_same_or_subdomain(lower, parent)) return true;
    }
    return false;
}

bool CustomerSession::owns_domain(std::string_view domain) const { return identity_.covers(domain); }

CustomerSession::Transaction::~Transaction() { end(); }

void CustomerSession::Transaction::end() {
    if (session_ == nullptr) return;
    {
        const std::lock_guard lock(session_->mutex_);
        session_->busy_ = false;
        session_->last_activity_ = Clock::now();
    }
    session_->changed_.notify_all();
    session_ = nullptr;
}

std::optional<CustomerSession::Transaction> CustomerSession::begin_transaction(Deadline deadline) {
    std::unique_lock lock(mutex_);
    ++waiting_;
    const bool granted = changed_.wait_until(lock, deadline.time_point(), [this] {
        return !busy_ || closing_ || !broken_reason_.empty();
    });
    --waiting_;
    last_activity_ = Clock::now();

    if (!granted || closing_ || !broken_reason_.empty()) {
        changed_.notify_all();
        return std::nullopt;
    }
    busy_ = true;
    return Transaction(this);
}

void CustomerSession::mark_broken(const std::string& reason) {
    {
        const std::lock_guard lock(mutex_);
        if (broken_reason_.empty()) broken_reason_ = reason;
    }
    changed_.notify_all();
}

bool CustomerSession::broken() const {
    const std::lock_guard lock(mutex_);
    return !broken_reason_.empty();
}

std::string CustomerSession::broken_reason() const {
    const std::lock_guard lock(mutex_);
    return broken_reason_;
}

void CustomerSession::close(Deadline deadline) {
    std::unique_lock lock(mutex_);
    closing_ = true;
    changed_.notify_all();
    changed_.wait_until(lock, deadline.time_point(), [this] { return !busy_; });
}

std::string CustomerSession::recipient_key(const std::string& queue_id, const std::string& recipient) {
    return queue_id + '\n' + to_lower(recipient);
}

void CustomerSession::expect(const std::vector<HeldMessage>& held) {
    const std::lock_guard lock(mutex_);
    for (const auto& message : held) {
        arrival_times_[message.queue_id] = message.arrival_time;
        for (const auto& recipient : message.recipients) {
            if (!owns_domain(domain_of(recipient))) continue;
            const std::string key = recipient_key(message.queue_id, recipient);
            if (attempted_.count(key) == 0) pending_.insert(key);
        }
    }
}

std::size_t CustomerSession::pending_recipients() const {
    const std::lock_guard lock(mutex_);
    return pending_.size();
}

void CustomerSession::record_attempt(const std::string& queue_id, const std::string& recipient, AttemptStatus status) {
    const std::lock_guard lock(mutex_);
    const std::string key = recipient_key(queue_id, recipient);
    pending_.erase(key);
    attempted_.insert(key);
    last_activity_ = Clock::now();

    switch (status) {
    case AttemptStatus::sent: ++counters_.sent; break;
    case AttemptStatus::deferred: ++counters_.deferred; break;
    case AttemptStatus::bounced: ++counters_.bounced; break;
    }
}

void CustomerSession::record_message(std::uint64_t bytes) {
    const std::lock_guard lock(mutex_);
    ++counters_.messages;
    counters_.bytes += bytes;
}

std::optional<std::int64_t> CustomerSession::arrival_time(const std::string& queue_id) const {
    const std::lock_guard lock(mutex_);
    const auto found = arrival_times_.find(queue_id);
    if (found == arrival_times_.end()) return std::nullopt;
    return found->second;
}

void CustomerSession::note_activity() {
    const std::lock_guard lock(mutex_);
    last_activity_ = Clock::now();
}

bool CustomerSession::wait_until_quiet(Clock::duration grace, Deadline deadline) {
    std::unique_lock lock(mutex_);
    while (true) {
        if (!broken_reason_.empty() || deadline.expired()) return false;

        const auto quiet_at = last_activity_ + grace;
        if (!busy_ && waiting_ == 0 && Clock::now() >= quiet_at) return true;

        // Wake at the end of the grace period or at any change, whichever
        // comes first; activity moves the end of the grace period.
        const auto wake = std::min(busy_ || waiting_ > 0 ? Clock::now() + grace : quiet_at, deadline.time_point());
        changed_.wait_until(lock, wake);
    }
}

SessionCounters CustomerSession::counters() const {
    const std::lock_guard lock(mutex_);
    return counters_;
}

}  // namespace odmr
