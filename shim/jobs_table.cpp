#include "shim/jobs_table.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "shim/private_file.hpp"
#include "smtp/socket.hpp"
#include "smtp/table_file.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

constexpr std::string_view job_syntax = "write: name provider mode parameters schedule [option=value ...]";

bool is_job_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (const char c : name) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                             c == '_' || c == '.';
        if (!allowed) return false;
    }
    return true;
}

// Splits the fields after the job name: white space separates them, and
// double quotes keep spaces inside one field.
std::vector<std::string> split_fields(std::string_view text, const TableEntry& entry) {
    std::vector<std::string> fields;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        if (i == text.size()) break;

        std::string field;
        if (text[i] != '"') {
            while (i < text.size() && text[i] != ' ' && text[i] != '\t') field += text[i++];
            fields.push_back(std::move(field));
            continue;
        }

        ++i;
        bool closed = false;
        while (i < text.size()) {
            const char c = text[i++];
            if (c == '"') {
                closed = true;
                break;
            }
            if (c == '\\' && i < text.size() && (text[i] == '"' || text[i] == '\\')) {
                field += text[i++];
                continue;
            }
            field += c;
        }
        if (!closed) {
            throw ConfigError(entry.file, entry.line, concat("job ", entry.key, ": a double quote is not closed; end the "
                                                             "quoted field with \""));
        }
        fields.push_back(std::move(field));
    }
    return fields;
}

class JobParser {
public:
    JobParser(const TableEntry& entry, const std::map<std::string, std::string>& passwords,
              const std::string& passwords_file, const JobOptions& defaults)
        : entry_(entry), passwords_(passwords), passwords_file_(passwords_file), defaults_(defaults) {}

    Job parse(bool& holds_passwords);

private:
    ConfigError error(const std::string& message) const {
        return ConfigError(entry_.file, entry_.line, concat("job ", entry_.key, ": ", message));
    }

    void parse_provider(Job& job, const std::string& text) const;
    void parse_options(Job& job, const std::vector<std::string>& fields) const;
    std::string resolve_password(const std::string& password, const std::string& key, bool& holds_passwords) const;

    const TableEntry& entry_;
    const std::map<std::string, std::string>& passwords_;
    const std::string& passwords_file_;
    const JobOptions& defaults_;
};

void JobParser::parse_provider(Job& job, const std::string& text) const {
    const std::uint16_t default_port = job.mode == JobMode::atrn ? 366 : 25;
    try {
        const Endpoint endpoint = parse_endpoint(text, default_port);
        job.provider_host = endpoint.host;
        job.provider_port = endpoint.port;
    } catch (const std::invalid_argument& failure) {
        throw error(concat("invalid provider '", printable(text, 80), "': ", failure.what()));
    }
    if (job.provider_host.empty()) {
        throw error(concat("invalid provider '", printable(text, 80),
                           "'; write the provider's host name or address, with :port when it is not ", default_port));
    }
}

void JobParser::parse_options(Job& job, const std::vector<std::string>& fields) const {
    job.options = defaults_;
    for (std::size_t i = 4; i < fields.size(); ++i) {
        const std::string& field = fields[i];
        const auto equals = field.find('=');
        if (equals == std::string::npos) {
            throw error(concat("option '", printable(field, 60), "' has no value; write name=value, such as tls=required"));
        }

        const std::string name = field.substr(0, equals);
        try {
            if (!apply_job_option(job.options, name, std::string_view(field).substr(equals + 1))) {
                std::string names;
                for (const auto& known : job_option_names()) names += (names.empty() ? "" : ", ") + known;
                throw error(concat("unknown option '", printable(name, 40), "'; the options are ", names));
            }
        } catch (const ParameterError& failure) {
            throw error(failure.what());
        }
    }

    // A tls_ca_file from the settings file was checked when it was read,
    // so that its error names that file.
    if (job.options.tls_ca_file != defaults_.tls_ca_file && job.options.tls != TlsMode::none && job.options.tls_verify) {
        const std::string problem = unreadable_ca_file(job.options.tls_ca_file);
        if (!problem.empty()) throw error(problem);
    }
}

std::string JobParser::resolve_password(const std::string& password, const std::string& key,
                                        bool& holds_passwords) const {
    if (password != password_from_file) {
        if (!password.empty()) holds_passwords = true;
        return password;
    }
    if (passwords_file_.empty()) {
        throw error(concat("the password is *, but no passwords_file is set; set passwords_file and add the line '",
                           key, " PASSWORD' to that file"));
    }
    const auto found = passwords_.find(key);
    if (found == passwords_.end()) {
        throw error(concat("the password is *, but ", passwords_file_, " has no entry '", key, "'; add the line '",
                           key, " PASSWORD' to it"));
    }
    return found->second;
}

Job JobParser::parse(bool& holds_passwords) {
    if (!is_job_name(entry_.key)) {
        throw ConfigError(entry_.file, entry_.line,
                          concat("invalid job name '", printable(entry_.key, 60),
                                 "'; use letters, digits, '-', '_' and '.', at most 64 characters"));
    }
    const std::vector<std::string> fields = split_fields(entry_.value, entry_);
    if (fields.size() < 4) {
        throw error(concat("expected 4 fields after the name, found ", fields.size(), "; ", job_syntax));
    }

    Job job;
    job.name = entry_.key;
    job.file = entry_.file;
    job.line = entry_.line;

    if (iequals(fields[1], "atrn")) job.mode = JobMode::atrn;
    else if (iequals(fields[1], "etrn")) job.mode = JobMode::etrn;
    else throw error(concat("invalid mode '", printable(fields[1], 40), "'; write atrn or etrn"));

    parse_provider(job, fields[0]);

    try {
        if (job.mode == JobMode::atrn) {
            job.atrn = parse_atrn_parameters(fields[2]);
        } else {
            job.etrn = parse_etrn_parameters(fields[2]);
        }
    } catch (const ParameterError& failure) {
        throw error(concat("invalid ", job.mode == JobMode::atrn ? "ATRN" : "ETRN", " parameters: ", failure.what()));
    }

    try {
        job.schedule = parse_schedule(fields[3]);
    } catch (const ParameterError& failure) {
        throw error(failure.what());
    }
    parse_options(job, fields);

    if (job.mode == JobMode::atrn) {
        job.atrn.password = resolve_password(job.atrn.password, job.name, holds_passwords);
    }
    for (auto& command : job.etrn) {
        command.password = resolve_password(command.password, concat(job.name, "/", command.node), holds_passwords);
    }
    return job;
}

}  // namespace

std::string Job::describe() const {
    const bool ipv6 = provider_host.find(':') != std::string::npos;
    const std::string provider = concat(ipv6 ? "[" + provider_host + "]" : provider_host, ":", provider_port);
    const std::string parameters = mode == JobMode::atrn ? masked_atrn_parameters(atrn) : masked_etrn_parameters(etrn);
    return concat(name, ": ", mode == JobMode::atrn ? "atrn " : "etrn ", provider, " \"", parameters, "\" ",
                  describe_schedule(schedule));
}

const Job* JobsTable::find(const std::string& name) const {
    for (const auto& job : jobs) {
        if (job.name == name) return &job;
    }
    return nullptr;
}

std::map<std::string, std::string> load_passwords_file(const std::string& path) {
    check_private_file(path, S_IRWXG | S_IRWXO, concat("make it readable only by the user odmr-fetch runs as: chmod 600 ", path));
    check_readable(path, "the passwords file");

    std::map<std::string, std::string> passwords;
    for (const auto& entry : read_table_file(path)) {
        if (entry.value.empty()) {
            throw ConfigError(path, entry.line, concat("entry '", printable(entry.key, 80),
                                                       "' has no password; write: key password"));
        }
        if (passwords.count(entry.key) > 0) {
            throw ConfigError(path, entry.line, concat("entry '", printable(entry.key, 80), "' is listed again; keep one"));
        }
        passwords.emplace(entry.key, entry.value);
    }
    return passwords;
}

JobsTable parse_jobs_table(const std::string& text, const std::string& file,
                           const std::map<std::string, std::string>& passwords, const std::string& passwords_file,
                           const JobOptions& defaults) {
    JobsTable table;
    for (const auto& entry : parse_table_text(text, file)) {
        Job job = JobParser(entry, passwords, passwords_file, defaults).parse(table.holds_passwords);
        if (const Job* earlier = table.find(job.name)) {
            throw ConfigError(file, entry.line, concat("job ", job.name, " is already defined on line ", earlier->line,
                                                       "; give each job its own name"));
        }
        table.jobs.push_back(std::move(job));
    }
    return table;
}

JobsTable load_jobs_table(const std::string& jobs_file, const std::string& passwords_file, const JobOptions& defaults) {
    check_readable(jobs_file, "the jobs table");
    std::ifstream input(jobs_file, std::ios::binary);
    if (!input) throw ConfigError(jobs_file, 0, concat("cannot open the jobs table: ", std::strerror(errno)));
    std::ostringstream text;
    text << input.rdbuf();

    std::map<std::string, std::string> passwords;
    if (!passwords_file.empty()) passwords = load_passwords_file(passwords_file);

    JobsTable table = parse_jobs_table(text.str(), jobs_file, passwords, passwords_file, defaults);
    if (table.holds_passwords) {
        check_private_file(jobs_file, S_IROTH | S_IWOTH,
                           concat("run chmod 640 ", jobs_file, ", or write each password as * and keep it in the "
                                  "passwords file"));
    }
    return table;
}

}  // namespace odmr
