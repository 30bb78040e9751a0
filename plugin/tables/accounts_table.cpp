#include "plugin/tables/accounts_table.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "smtp/domain.hpp"
#include "smtp/table_file.hpp"
#include "smtp/text.hpp"

namespace odmr {

static void check_file_mode(const std::string& path) {
    struct stat status{};
    if (stat(path.c_str(), &status) < 0) {
        throw ConfigError(path, 0, concat("cannot read the file: ", std::strerror(errno)));
    }
    const std::string mode = octal_mode(status.st_mode);
    if ((status.st_mode & S_IROTH) != 0) {
        throw ConfigError(path, 0, concat("the accounts file is readable by every user (mode ", mode,
                                          "); it contains passwords, so run: chmod 640 ", path));
    }

    // A user who can write the file can add a login for any domain.
    if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        const char* writers = (status.st_mode & S_IWOTH) != 0 ? "every user" : "its group";
        throw ConfigError(path, 0, concat("the accounts file is writable by ", writers, " (mode ", mode,
                                          "), who could add logins; run: chmod 640 ", path));
    }
}

static std::set<std::string> parse_domains(const TableEntry& line, std::string_view text,
                                           const QueueDomainTable& queue_domains) {
    std::set<std::string> domains;
    std::string list(text);
    for (char& c : list) {
        if (c == ',') c = ' ';
    }
    for (auto word : split_words(list)) {
        const auto domain = normalize_domain(word);
        if (!domain) {
            throw ConfigError(line.file, line.line, concat("invalid domain name '", printable(word, 80), "' for login ",
                                                           printable(line.key, 60), "; write a domain such as example.com"));
        }
        if (queue_domains.find(*domain) == nullptr) {
            throw ConfigError(line.file, line.line, concat("domain ", *domain, " of login ", printable(line.key, 60),
                                                           " is not in the queue-domain table; add it there or remove it here"));
        }
        domains.insert(*domain);
    }
    if (domains.empty()) {
        throw ConfigError(line.file, line.line, concat("login ", printable(line.key, 60),
                                                       " has no domains; list the queue domains it may release after the password"));
    }
    return domains;
}

AccountsTable AccountsTable::load(const std::string& path, const QueueDomainTable& queue_domains, bool check_mode) {
    if (check_mode) check_file_mode(path);
    return from_entries(read_table_file(path), queue_domains);
}

AccountsTable AccountsTable::parse(const std::string& text, const std::string& file,
                                   const QueueDomainTable& queue_domains) {
    return from_entries(parse_table_text(text, file), queue_domains);
}

AccountsTable AccountsTable::from_entries(const std::vector<TableEntry>& entries, const QueueDomainTable& queue_domains) {
    AccountsTable table;
    for (const auto& line : entries) {
        const std::string_view value = line.value;
        const auto password_end = value.find_first_of(" \t");
        if (value.empty()) {
            throw ConfigError(line.file, line.line, concat("login ", printable(line.key, 60),
                                                           " has no password; write: login {SCHEME}password domain,..."));
        }

        std::string error;
        auto password = StoredPassword::parse(value.substr(0, password_end), error);
        if (!password) {
            throw ConfigError(line.file, line.line, concat("invalid password for login ", printable(line.key, 60), ": ", error));
        }
        if (table.accounts_.count(line.key) > 0) {
            throw ConfigError(line.file, line.line, concat("login ", printable(line.key, 60), " is listed again; keep one entry"));
        }

        Account account{line.key, *password, {}, line.file, line.line};
        const auto rest = password_end == std::string_view::npos ? std::string_view() : value.substr(password_end);
        account.domains = parse_domains(line, rest, queue_domains);
        table.accounts_.emplace(line.key, std::move(account));
    }
    return table;
}

std::vector<const Account*> AccountsTable::owners(const std::string& domain) const {
    std::vector<const Account*> result;
    for (const auto& [login, account] : accounts_) {
        if (account.domains.count(domain) > 0) result.push_back(&account);
    }
    return result;
}

const Account* AccountsTable::find(std::string_view login) const {
    const auto found = accounts_.find(login);
    return found == accounts_.end() ? nullptr : &found->second;
}

}  // namespace odmr
