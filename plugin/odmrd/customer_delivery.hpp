// One customer session from greeting to QUIT, on a connection that is
// already open: the turned-around ATRN connection, or a new connection to
// the domain's fixed address for ETRN.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "plugin/host/host_queue.hpp"
#include "plugin/odmrd/customer_session.hpp"
#include "plugin/odmrd/lmtp_bridge.hpp"

namespace odmr {

struct DeliverySettings {
    std::string hostname;
    std::string bridge_directory;
    gid_t socket_group = static_cast<gid_t>(-1);
    BridgeSettings bridge;
    Seconds release_grace_time{2};
    int release_rounds = 3;
};

struct DeliveryResult {
    SessionCounters counters;
    std::string end_reason;
};

// The customer's greeting and capabilities when the session began.
struct CustomerGreeting {
    std::string name;           // the first word of its 220 greeting
    Capabilities capabilities;  // from EHLO; empty after HELO
};

// Reads the customer's complete 220 greeting and introduces this host with
// EHLO, falling back to HELO. Throws IoError when the customer fails or
// refuses.
CustomerGreeting greet_customer(Connection& customer, const DeliverySettings& settings);

// Bridges Postfix's deliveries for the session's domains onto the greeted
// customer: opens the bridge sockets, asks the host to release each domain,
// waits until every recipient that was waiting has been attempted (asking
// again, a few rounds, for mail that Postfix did not bring), and ends with
// QUIT. identity.relay must already name the customer. The listing of the
// waiting mail is dropped once the session has taken its recipients, so a
// long session does not keep it. Never throws.
DeliveryResult deliver_to_customer(Connection& customer, const CustomerGreeting& greeting, SessionIdentity identity,
                                   std::vector<HeldMessage> waiting, HostQueue& host,
                                   const DeliverySettings& settings);

// A filter that accepts the recipient domains a session covers.
DomainFilter session_filter(const SessionIdentity& identity);

}  // namespace odmr
