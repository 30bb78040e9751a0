// Checks of the settings and tables that need the running system: users,
// groups, files and commands, and whether a fixed ETRN address is one of
// this host's own, which would make odmrd deliver the mail back to itself.
// --check-config and the start run the same checks.
#pragma once

#include <memory>

#include "plugin/odmrd/bridge_directory.hpp"
#include "plugin/odmrd/daemon_settings.hpp"
#include "plugin/tables/queue_domain_table.hpp"
#include "smtp/tls.hpp"

namespace odmr {

// Throws ConfigError naming the table line, the domain and the address
// when an etrn_address resolves to an address of this host. A host name
// that does not resolve now is only logged, because DNS may be down at
// boot; the check runs again before each ETRN connection.
void check_etrn_addresses(const QueueDomainTable& table);

// True when the host of an etrn_address resolves to an address of this
// host; sets address to the one found.
bool is_own_address(const std::string& host, std::string& address);

// The bridge directory owner and TLS context that odmrd takes from the
// system before it binds anything.
struct SystemResources {
    BridgeDirectoryOwner bridge_owner;
    std::shared_ptr<TlsContext> tls;  // null without STARTTLS
};

// Looks up the user and bridge_socket_group, and loads the TLS certificate
// and key. Then checks postqueue_command, each etrn_tls_ca_file, the main.cf
// in postfix_config_directory, that `user` can read the tables and CA
// files, and that an unprivileged odmrd can use an existing bridge directory. Throws ConfigError naming the setting or table line,
// the value and the fix.
SystemResources check_system_settings(const DaemonSettings& settings, const SettingSources& sources,
                                      const QueueDomainTable& table);

}  // namespace odmr
