// Fuzzes the queue-domain table: domains with their ETRN address, allowed
// clients, TLS policy and limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugin/tables/queue_domain_table.hpp"
#include "smtp/domain.hpp"
#include "smtp/table_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    QueueDomainTable table;
    try {
        table = QueueDomainTable::parse(text, "queue-domains");
    } catch (const ConfigError& error) {
        require(std::string_view(error.what()).substr(0, 15) == "queue-domains, ", "the error does not name the file");
        return 0;
    }

    for (const auto& [key, domain] : table.domains()) {
        require(key == domain.domain, "an entry is filed under another domain");
        require(normalize_domain(domain.domain) == domain.domain, "a domain is not in normal form");
        require(table.find(domain.domain) == &domain, "find misses a listed domain");
        require(domain.line > 0, "an entry has no line number");
        if (!domain.etrn_tls_ca_file.empty()) require(domain.etrn_tls_ca_file.front() == '/', "a relative CA file");
        domain.etrn_clients.contains("192.0.2.7");
        domain.etrn_clients.contains("2001:db8::7");
        domain.etrn_clients.text();
    }
    return 0;
}
