// How much mail the host MTA holds for each queue domain, kept current
// without asking the MTA on every RCPT. Three parts add up to a domain's
// usage:
//
//   listed          the last listing of the host queue (QueueRefresher)
//   accepted        messages this milter accepted since, until a listing
//                   shows them or they are gone
//   in transaction  messages past RCPT whose transaction has not ended,
//                   counted with their declared SIZE
//
// A RCPT check is one map lookup under a mutex. Every libmilter thread
// shares one instance.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>

#include "smtp/deadline.hpp"

namespace odmr {

struct DomainUsage {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
};

// A queue domain's limits on held mail; 0 is no limit.
struct HeldLimits {
    std::uint64_t max_messages = 0;
    std::uint64_t max_bytes = 0;
};

struct Reservation {
    enum class Outcome { reserved, over_limit, not_counted } outcome = Outcome::reserved;
    DomainUsage usage;  // before this message
};

// One listing of the host queue, summed per queue domain. A message with
// recipients in two queue domains counts once in each.
struct QueueListing {
    Clock::time_point started;                  // when the listing began
    std::map<std::string, DomainUsage> usage;   // per queue domain, lower case
    std::unordered_set<std::string> queue_ids;  // each listed message with a queue-domain recipient
};

class HeldMailAccounting {
public:
    // An accepted message that the first listing started grace_time after
    // its acceptance does not show has left the queue (delivered, bounced
    // or deleted). Until then it counts, because the MTA may still be
    // writing its queue file when the milter accepts it.
    explicit HeldMailAccounting(Clock::duration grace_time = Seconds(10));

    // True once a listing was applied: before that the usage is unknown.
    bool counted() const;

    DomainUsage usage(std::string_view domain) const;

    // Counts a message for a domain while its transaction runs, unless
    // the domain is at a limit. The check and the count are one step, so
    // two transactions cannot both take the last place. declared_size is
    // the SIZE of MAIL FROM, or 0.
    Reservation reserve(const std::string& domain, const HeldLimits& limits, std::uint64_t declared_size);
    void cancel(const std::string& domain, std::uint64_t declared_size);

    // Turns the reservations of a message into an accepted message of its
    // real size, which the MTA has queued as queue_id.
    void accept(const std::string& queue_id, const std::map<std::string, std::uint64_t>& reserved_domains,
                std::uint64_t size);

    // Replaces the listed usage and drops the accepted messages that the
    // listing shows or that are gone.
    void apply(const QueueListing& listing);

    // The number of accepted messages not yet seen in a listing.
    std::size_t accepted_count() const;

private:
    struct DomainCounters {
        DomainUsage listed;
        DomainUsage accepted;
        DomainUsage in_transaction;

        DomainUsage total() const;
    };
    struct AcceptedMessage {
        Clock::time_point time;
        std::set<std::string> domains;
        std::uint64_t size = 0;
    };

    void forget_accepted(const AcceptedMessage& message);

    Clock::duration grace_time_;
    mutable std::mutex mutex_;
    bool counted_ = false;
    std::map<std::string, DomainCounters, std::less<>> domains_;
    std::map<std::string, AcceptedMessage> accepted_;  // by queue id
};

}  // namespace odmr
