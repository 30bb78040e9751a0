// Fuzzes odmr-fetch's jobs table: name, provider, mode, parameter string,
// schedule and options per line, quoted fields, and passwords written as
// "*" that come from the passwords file.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "shim/jobs_table.hpp"
#include "smtp/table_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace odmr;
using odmr::fuzz::require;

namespace {

const std::map<std::string, std::string>& passwords() {
    static const std::map<std::string, std::string> entries{
        {"office", "passwords-file secret"},
        {"nightly/example.com", "other:passwords-file-secret"},
    };
    return entries;
}

// The password with every letter and digit moved to the next one of its
// kind, so it stays empty or not.
std::string shifted(const std::string& password) {
    std::string result = password;
    for (char& c : result) {
        if (c >= 'a' && c <= 'z') c = c == 'z' ? 'a' : static_cast<char>(c + 1);
        else if (c >= 'A' && c <= 'Z') c = c == 'Z' ? 'A' : static_cast<char>(c + 1);
        else if (c >= '0' && c <= '9') c = c == '9' ? '0' : static_cast<char>(c + 1);
    }
    return result;
}

// describe() goes to logs and --check-config, so it must not show a
// password: a copy of the job with other passwords must be described the
// same way.
void check_masked(const Job& job) {
    Job other = job;
    other.atrn.password = shifted(job.atrn.password);
    for (auto& command : other.etrn) command.password = shifted(command.password);
    require(other.describe() == job.describe(), "Job::describe shows a password");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    JobsTable table;
    try {
        table = parse_jobs_table(text, "jobs", passwords(), "passwords", JobOptions{});
    } catch (const ConfigError& error) {
        require(std::string_view(error.what()).substr(0, 6) == "jobs, ", "the error does not name the file");
        return 0;
    }

    for (const auto& job : table.jobs) {
        require(table.find(job.name) == &job, "find misses a listed job");
        require(!job.provider_host.empty(), "a job without a provider host was accepted");
        if (job.mode == JobMode::atrn) {
            require(!job.atrn.domains.empty(), "an ATRN job without domains was accepted");
            require(!job.atrn.login.empty(), "an ATRN job without a login was accepted");
            require(job.atrn.password != "*", "a * password was not resolved");
        } else {
            require(!job.etrn.empty(), "an ETRN job without commands was accepted");
            for (const auto& command : job.etrn) require(command.password != "*", "a * password was not resolved");
        }
        check_masked(job);
    }
    return 0;
}
