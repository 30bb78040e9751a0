#include "plugin/odmrd/startup_checks.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "plugin/host/postfix_queue.hpp"
#include "plugin/host/process.hpp"
#include "plugin/host/system_accounts.hpp"
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

namespace {

BridgeDirectoryOwner find_bridge_owner(const DaemonSettings& settings, const SettingSources& sources) {
    BridgeDirectoryOwner owner;
    if (settings.user.empty()) {
        owner.user_name = user_name(geteuid());
    } else {
        const auto ids = find_user(settings.user);
        if (!ids) {
            throw sources.error("user", concat("user = ", printable(settings.user, 60),
                                               " does not exist; create it (useradd --system ", printable(settings.user, 60),
                                               ") or name an existing user"));
        }
        owner.user = ids->uid;
        owner.user_name = settings.user;
    }

    if (!settings.bridge_socket_group.empty()) {
        owner.group = find_group(settings.bridge_socket_group);
        if (!owner.group) {
            throw sources.error("bridge_socket_group",
                                concat("bridge_socket_group = ", printable(settings.bridge_socket_group, 60),
                                       " does not exist; name the group of Postfix's mail_owner (postconf -h "
                                       "mail_owner shows the user, usually postfix)"));
        }
        owner.group_name = settings.bridge_socket_group;
    }
    return owner;
}

std::shared_ptr<TlsContext> load_server_tls(const DaemonSettings& settings, const SettingSources& sources) {
    if (settings.tls_certificate_file.empty()) return nullptr;

    for (const std::string name : {"tls_certificate_file", "tls_key_file"}) {
        const std::string& path = name == "tls_key_file" ? settings.tls_key_file : settings.tls_certificate_file;
        if (access(path.c_str(), R_OK) < 0) {
            throw sources.error(name, concat(name, " = ", path, " cannot be read: ", std::strerror(errno),
                                             "; give the path of a PEM file that odmrd can read"));
        }
    }
    try {
        return TlsContext::server(settings.tls_certificate_file, settings.tls_key_file);
    } catch (const std::runtime_error& error) {
        throw sources.error("tls_certificate_file",
                            concat(error.what(), "; give a PEM certificate chain and its own private key"));
    }
}

void check_etrn_ca_files(const QueueDomainTable& table) {
    for (const auto& [name, domain] : table.domains()) {
        if (domain.etrn_tls_ca_file.empty()) continue;
        if (access(domain.etrn_tls_ca_file.c_str(), R_OK) < 0) {
            throw ConfigError(domain.file, domain.line,
                              concat("etrn_tls_ca_file ", domain.etrn_tls_ca_file, " of ", name, " cannot be read: ",
                                     std::strerror(errno), "; give a readable PEM file of CA certificates"));
        }

        // Loading needs etrn_tls_verify, as at an ETRN run.
        try {
            TlsContext::client(domain.etrn_tls_ca_file, domain.etrn_tls_verify);
        } catch (const std::runtime_error& error) {
            throw ConfigError(domain.file, domain.line,
                              concat("etrn_tls_ca_file of ", name, ": ", error.what(),
                                     "; give a readable PEM file of CA certificates"));
        }
    }
}

// odmrd rereads the tables on SIGHUP and loads CA files at each ETRN run
// after it has become `user`, so that user must be able to read them.
void check_user_can_read(const DaemonSettings& settings, const SettingSources& sources, const QueueDomainTable& table) {
    if (settings.user.empty()) return;
    const auto ids = find_user(settings.user);
    if (!ids) return;  // find_bridge_owner has reported it

    std::vector<std::string> files{settings.queue_domains_file, settings.accounts_file};
    for (const auto& [name, domain] : table.domains()) {
        if (!domain.etrn_tls_ca_file.empty()) files.push_back(domain.etrn_tls_ca_file);
    }
    for (const auto& file : files) {
        if (const auto problem = read_problem_for_user(file, settings.user, *ids)) {
            throw sources.error("user", concat("user = ", settings.user, ": ", *problem));
        }
    }
}

}  // namespace

SystemResources check_system_settings(const DaemonSettings& settings, const SettingSources& sources,
                                      const QueueDomainTable& table) {
    SystemResources resources;
    resources.bridge_owner = find_bridge_owner(settings, sources);
    resources.tls = load_server_tls(settings, sources);

    const std::string& postqueue = settings.postfix.postqueue_command;
    if (const auto problem = command_problem(postqueue)) {
        throw sources.error("postqueue_command", concat("postqueue_command = ", printable(postqueue, 120), " ", *problem,
                                                        "; give the path of Postfix's postqueue, such as /usr/sbin/postqueue"));
    }
    if (const auto problem = config_directory_problem(settings.postfix)) {
        throw sources.error("postfix_config_directory", *problem);
    }
    check_etrn_ca_files(table);
    check_user_can_read(settings, sources, table);

    if (const auto problem = bridge_directory_problem(settings.bridge_directory, resources.bridge_owner)) {
        throw sources.error("bridge_directory", *problem);
    }
    return resources;
}

}  // namespace odmr
