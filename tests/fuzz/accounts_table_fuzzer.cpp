// Fuzzes the accounts table: logins, stored passwords with their scheme
// prefix, and the queue domains each login may release. The queue-domain
// table is fixed, so the input is the accounts text alone.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugin/tables/accounts_table.hpp"
#include "plugin/tables/queue_domain_table.hpp"
#include "smtp/password.hpp"
#include "smtp/table_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

const QueueDomainTable& queue_domains() {
    static const QueueDomainTable table =
        QueueDomainTable::parse("example.com\nexample.net\nexample.org max_messages=10\n", "queue-domains");
    return table;
}

// Exercises the stored password the way a session does. crypt(3) hashes
// are left out, because a cost factor from the input makes one check take
// minutes, which only slows the admin who wrote it.
void check_password(const StoredPassword& password) {
    if (password.scheme() == StoredPassword::Scheme::crypt) return;
    password.verify("secret");
    const auto digest = password.cram_md5_digest("<4711.1700000000@provider.example>");
    require(digest.has_value() == password.supports_cram_md5(), "cram_md5_digest disagrees with supports_cram_md5");
    if (digest) require(digest->size() == 32, "a CRAM-MD5 digest is not 32 hex digits");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);

    // The password field alone, as the table hands it over.
    std::string password_error;
    if (const auto password = StoredPassword::parse(text, password_error)) check_password(*password);

    AccountsTable table;
    try {
        table = AccountsTable::parse(text, "accounts", queue_domains());
    } catch (const ConfigError& error) {
        require(std::string_view(error.what()).substr(0, 10) == "accounts, ", "the error does not name the file");
        return 0;
    }

    for (const char* domain : {"example.com", "example.net", "example.org"}) {
        for (const Account* account : table.owners(domain)) {
            require(table.find(account->login) == account, "find misses a listed login");
            require(!account->domains.empty(), "an account without domains was accepted");
            for (const auto& owned : account->domains) {
                require(queue_domains().find(owned) != nullptr, "an account owns a domain outside the queue-domain table");
            }
            check_password(account->password);
        }
    }
    return 0;
}
