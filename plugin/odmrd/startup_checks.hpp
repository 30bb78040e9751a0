// Checks of the tables that need the running system: whether a fixed
// ETRN address is one of this host's own, which would make odmrd deliver
// the mail back to itself.
#pragma once

#include "plugin/tables/queue_domain_table.hpp"

namespace odmr {

// Throws ConfigError naming the table line, the domain and the address
// when an etrn_address resolves to an address of this host. A host name
// that does not resolve now is only logged, because DNS may be down at
// boot; the check runs again before each ETRN connection.
void check_etrn_addresses(const QueueDomainTable& table);

// True when the host of an etrn_address resolves to an address of this
// host; sets address to the one found.
bool is_own_address(const std::string& host, std::string& address);

}  // namespace odmr
