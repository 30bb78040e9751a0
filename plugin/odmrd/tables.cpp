#include "plugin/odmrd/tables.hpp"

namespace odmr {

std::shared_ptr<const Tables> load_tables(const std::string& queue_domains_file, const std::string& accounts_file) {
    auto queue_domains = QueueDomainTable::load(queue_domains_file);
    auto accounts = AccountsTable::load(accounts_file, queue_domains);
    return std::make_shared<const Tables>(Tables{std::move(queue_domains), std::move(accounts)});
}

}  // namespace odmr
