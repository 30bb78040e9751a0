// The host adapter: what odmr needs from the MTA whose queue holds the
// mail. One implementation per host MTA; Postfix's is postfix_queue.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace odmr {

struct HeldMessage {
    std::string queue_id;
    std::string queue_name;             // "deferred", "incoming", "active"...
    std::int64_t arrival_time = 0;      // seconds since the epoch
    std::uint64_t size = 0;             // bytes
    std::string sender;
    std::vector<std::string> recipients;  // only those the listing asked for
};

// The queue could not be read or the release failed.
class HostQueueError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Decides whether a recipient domain (lower case) belongs to a listing.
using DomainFilter = std::function<bool(std::string_view domain)>;

class HostQueue {
public:
    virtual ~HostQueue() = default;

    // Lists the held messages that have recipients in domains the filter
    // accepts, with only those recipients. Mail on hold by the admin is
    // left out. Throws HostQueueError.
    virtual std::vector<HeldMessage> list_held(const DomainFilter& filter) = 0;

    // Calls visit for each message list_held would return, in the same
    // form. A host that can stream its listing overrides this, so a large
    // queue never has to fit in memory. Throws HostQueueError.
    virtual void visit_held(const DomainFilter& filter, const std::function<void(const HeldMessage&)>& visit) {
        for (const auto& message : list_held(filter)) visit(message);
    }

    // Asks the MTA to deliver now what it holds for the domain. Throws
    // HostQueueError.
    virtual void release(const std::string& domain) = 0;
};

}  // namespace odmr
