#include "plugin/odmrd/startup_checks.hpp"

#include "smtp/log.hpp"
#include "smtp/network_list.hpp"
#include "smtp/socket.hpp"
#include "smtp/table_file.hpp"
#include "smtp/text.hpp"

namespace odmr {

bool is_own_address(const std::string& host, std::string& address) {
    const auto own = local_addresses();
    for (const auto& resolved : resolve_addresses(host)) {
        for (const auto& local : own) {
            if (resolved == local) {
                address = resolved.text();
                return true;
            }
        }
    }
    return false;
}

void check_etrn_addresses(const QueueDomainTable& table) {
    for (const auto& [name, domain] : table.domains()) {
        if (!domain.etrn_address) continue;
        const Endpoint endpoint = parse_endpoint(*domain.etrn_address, 25);

        if (resolve_addresses(endpoint.host).empty()) {
            log::warning(concat(domain.file, ", line ", domain.line, ": etrn_address ", *domain.etrn_address, " of ",
                                name, " does not resolve now"));
            continue;
        }
        std::string own;
        if (is_own_address(endpoint.host, own)) {
            throw ConfigError(domain.file, domain.line,
                              concat("etrn_address ", *domain.etrn_address, " of ", name, " is ", own,
                                     ", an address of this host; ETRN would deliver the mail back here. Give the "
                                     "customer's own address"));
        }
    }
}

}  // namespace odmr
