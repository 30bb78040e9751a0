// The queue-domain table: the domains this provider holds mail for, with
// per-domain settings. One line per domain:
//
//   example.com   etrn_address=[192.0.2.7]:25 max_messages=5000 max_bytes=500M
//   example.net
//
// Options are name=value words. ETRN needs etrn_address, the customer's
// fixed address; etrn_clients lists who may ask for the release (default:
// the fixed address itself), and etrn_require_password=yes accepts only
// requests that carry the password of an account owning the domain. Sizes take a K, M or G suffix (powers of
// 1024). A missing limit, or a limit of 0, means no limit, as 0 does for
// Postfix's message_size_limit.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "smtp/network_list.hpp"
#include "smtp/table_file.hpp"

namespace odmr {

// When odmrd uses STARTTLS towards an ETRN customer.
enum class TlsPolicy { none, may, encrypt };

struct QueueDomain {
    std::string domain;  // lower case
    std::string file;
    int line = 0;

    std::optional<std::string> etrn_address;  // "[192.0.2.7]:25" or "host.example:25", for ETRN
    NetworkList etrn_clients;                 // empty: the fixed address itself
    bool etrn_require_password = false;
    TlsPolicy etrn_tls = TlsPolicy::may;
    bool etrn_tls_verify = false;             // check the customer's certificate and name
    std::string etrn_tls_ca_file;             // empty: the system's CA store
    std::uint64_t max_messages = 0;           // held messages; 0 is no limit
    std::uint64_t max_bytes = 0;              // held bytes; 0 is no limit
    std::uint64_t max_message_size = 0;       // bytes per message; 0 is no limit
};

class QueueDomainTable {
public:
    // Reads and checks the table. Throws ConfigError naming the file, line,
    // value and fix.
    static QueueDomainTable load(const std::string& path);

    // The same for text already in memory; `file` names it in errors.
    static QueueDomainTable parse(const std::string& text, const std::string& file);

    // The entry for a domain (any case), or nullptr.
    const QueueDomain* find(std::string_view domain) const;

    const std::map<std::string, QueueDomain>& domains() const { return domains_; }

private:
    static QueueDomainTable from_entries(const std::vector<TableEntry>& entries);

    std::map<std::string, QueueDomain> domains_;
};

// Parses "500", "64K", "20M", "2G". Returns nothing when invalid.
std::optional<std::uint64_t> parse_size(std::string_view text);

// Parses a plain whole number. Returns nothing when invalid.
std::optional<std::uint64_t> parse_count(std::string_view text);

}  // namespace odmr
