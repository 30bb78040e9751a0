// The tables odmrd serves from, loaded at startup and again on SIGHUP.
// Sessions take a snapshot when they need one, so a reload never changes a
// table under a running session.
#pragma once

#include <memory>
#include <mutex>

#include "plugin/tables/accounts_table.hpp"
#include "plugin/tables/queue_domain_table.hpp"

namespace odmr {

struct Tables {
    QueueDomainTable queue_domains;
    AccountsTable accounts;
};

// Loads both tables. Throws ConfigError.
std::shared_ptr<const Tables> load_tables(const std::string& queue_domains_file, const std::string& accounts_file);

class TablesHolder {
public:
    explicit TablesHolder(std::shared_ptr<const Tables> tables) : tables_(std::move(tables)) {}

    std::shared_ptr<const Tables> get() const {
        const std::lock_guard lock(mutex_);
        return tables_;
    }

    void replace(std::shared_ptr<const Tables> tables) {
        const std::lock_guard lock(mutex_);
        tables_ = std::move(tables);
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Tables> tables_;
};

}  // namespace odmr
