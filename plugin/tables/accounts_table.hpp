// The accounts table: who may log in on the ODMR port and which queue
// domains each login may release. One line per login:
//
//   # login   password                 domains
//   alice     {CRAM-MD5}4a1f...        example.com, example.net
//
// The password field has a scheme prefix (see smtp/password.hpp for which
// scheme allows which SASL mechanism) and contains no white space. The
// domains are separated by commas or spaces and must be in the
// queue-domain table.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "plugin/tables/queue_domain_table.hpp"
#include "smtp/password.hpp"

namespace odmr {

struct Account {
    std::string login;
    StoredPassword password;
    std::set<std::string> domains;  // lower case
    std::string file;
    int line = 0;
};

class AccountsTable {
public:
    // Reads and checks the table. Throws ConfigError naming the file, line,
    // value and fix; never puts a password into the message. With
    // check_mode set, a file that other users can read is an error.
    static AccountsTable load(const std::string& path, const QueueDomainTable& queue_domains, bool check_mode = true);

    // The same for text already in memory, without the mode check; `file`
    // names it in errors.
    static AccountsTable parse(const std::string& text, const std::string& file, const QueueDomainTable& queue_domains);

    const Account* find(std::string_view login) const;

    // The accounts that may release a domain (lower case).
    std::vector<const Account*> owners(const std::string& domain) const;
    std::size_t size() const { return accounts_.size(); }

private:
    static AccountsTable from_entries(const std::vector<TableEntry>& entries, const QueueDomainTable& queue_domains);

    std::map<std::string, Account, std::less<>> accounts_;
};

}  // namespace odmr
