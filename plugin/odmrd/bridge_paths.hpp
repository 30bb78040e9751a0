// Where Postfix's lmtp client finds a session: one UNIX-domain socket per
// queue domain in the bridge directory, present only while a customer
// session for that domain runs. Postfix's transport map routes each queue
// domain to its socket ("example.com odmr:unix:/run/odmr/bridge/example.com"),
// so Postfix's queue manager treats every domain as its own destination and
// one customer's slow session never holds up another's.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace odmr {

// The socket path for a domain. A name that would not fit a socket path
// (about 107 bytes) is replaced by "h-" and a SHA-256 prefix of the domain.
std::string bridge_socket_path(const std::string& directory, const std::string& domain);

// The Postfix transport map line for a domain itself.
std::string transport_map_line(const std::string& directory, const std::string& domain);

// The Postfix transport map lines for a domain: one for the domain, and
// one for its subdomains (".example.com"), so that mail for
// mx.example.com is held with the domain's and released by ETRN @domain.
std::string transport_map_lines(const std::string& directory, const std::string& domain);

// An exclusive lock on one domain, held by the session that releases it,
// in this process or any other odmrd process (flock(2) on a lock file
// beside the socket). The lock goes with the process, so a killed odmrd
// leaves nothing stale.
class DomainLock {
public:
    DomainLock(DomainLock&& other) noexcept : fd_(other.fd_), domain_(std::move(other.domain_)) { other.fd_ = -1; }
    DomainLock& operator=(DomainLock&&) = delete;
    DomainLock(const DomainLock&) = delete;
    ~DomainLock();

    const std::string& domain() const { return domain_; }

    // Takes the locks of all domains, or none. Returns the first busy domain
    // through busy_domain when another session holds it. Throws
    // std::runtime_error when the lock file cannot be created.
    static std::optional<std::vector<DomainLock>> acquire_all(const std::string& directory,
                                                              const std::set<std::string>& domains,
                                                              std::string& busy_domain);

private:
    DomainLock(int fd, std::string domain) : fd_(fd), domain_(std::move(domain)) {}
    int fd_;
    std::string domain_;
};

}  // namespace odmr
