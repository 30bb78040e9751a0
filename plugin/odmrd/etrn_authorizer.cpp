#include "plugin/odmrd/etrn_authorizer.hpp"

#include "smtp/domain.hpp"
#include "smtp/network_list.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

EtrnVerdict refuse(int code, std::string text, std::string reason) {
    EtrnVerdict verdict;
    verdict.code = code;
    verdict.text = std::move(text);
    verdict.log_reason = std::move(reason);
    return verdict;
}

// The addresses a domain's ETRN may come from when etrn_clients is empty:
// those of its fixed address, resolved now, as the address may change.
bool from_fixed_address(const QueueDomain& domain, const std::string& client_address) {
    const auto client = IpAddress::parse(client_address);
    if (!client) return false;
    const Endpoint endpoint = parse_endpoint(*domain.etrn_address, 25);
    for (const auto& address : resolve_addresses(endpoint.host)) {
        if (address == *client) return true;
    }
    return false;
}

bool account_owns(const Account& account, const std::string& domain) { return account.domains.count(domain) > 0; }

// Checks one domain; returns an empty reason when the client may release it.
std::string check_domain(const QueueDomain& domain, const EtrnRequest& request, const EtrnClient& client,
                         const AccountsTable& accounts) {
    if (request.password) {
        for (const auto* account : accounts.owners(domain.domain)) {
            if (account->password.verify(*request.password)) return {};
        }
        return "wrong password";
    }
    if (domain.etrn_require_password) return "a password is required after the domain";

    if (!client.sasl_login.empty()) {
        const Account* account = accounts.find(client.sasl_login);
        if (account != nullptr && account_owns(*account, domain.domain)) return {};
    }

    const bool allowed_address = domain.etrn_clients.empty() ? from_fixed_address(domain, client.address)
                                                              : domain.etrn_clients.contains(client.address);
    if (allowed_address) return {};
    return concat("client [", client.address, "] is not allowed");
}

}  // namespace

std::vector<const QueueDomain*> matching_queue_domains(const EtrnRequest& request, const QueueDomainTable& table) {
    std::vector<const QueueDomain*> domains;
    if (request.kind == EtrnRequest::Kind::domain) {
        if (const auto* domain = table.find(request.node)) domains.push_back(domain);
        return domains;
    }
    if (request.kind == EtrnRequest::Kind::domain_and_subdomains) {
        for (const auto& [name, domain] : table.domains()) {
            if (is_same_or_subdomain(name, request.node)) domains.push_back(&domain);
        }
    }
    return domains;
}

EtrnVerdict authorize_etrn(const EtrnRequest& request, const EtrnClient& client, const Tables& tables) {
    const std::string node = describe_node(request);
    if (request.kind == EtrnRequest::Kind::queue_name) {
        return refuse(459, concat("4.7.1 ", node, ": no such queue"), "no named queues are defined");
    }

    const auto domains = matching_queue_domains(request, tables.queue_domains);
    if (domains.empty()) {
        return refuse(459, concat("4.7.1 ", node, ": not a queue domain of this host"), "not a queue domain");
    }

    for (const auto* domain : domains) {
        // The client learns this reason, because it names what to do instead
        // and reveals no more than that the domain is a queue domain.
        if (!domain->etrn_address) {
            return refuse(459, concat("4.7.1 ", node, ": ", domain->domain, " is released by ATRN only; use ATRN on the ODMR port"),
                          concat(domain->domain, ": no fixed address for ETRN (etrn_address); the customer must use ATRN"));
        }
        const std::string reason = check_domain(*domain, request, client, tables.accounts);
        if (!reason.empty()) {
            return refuse(459, concat("4.7.1 ", node, ": release not allowed"), concat(domain->domain, ": ", reason));
        }
    }

    EtrnVerdict verdict;
    verdict.allowed = true;
    verdict.domains = domains;
    return verdict;
}

}  // namespace odmr
