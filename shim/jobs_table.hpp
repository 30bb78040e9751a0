// The jobs table: one download job per line, in the text form of Postfix
// tables ('#' comments, indented lines continue the entry before):
//
//   # name   provider                  mode  parameters                        schedule   options
//   office   mx2.provider.example:366  atrn  example.com;office:secret         every=15m  tls=required
//   nightly  mx2.provider.example      etrn  "example.com secret;example.org"  at=06:00   relay=inet:127.0.0.1:10026
//
// A field with spaces goes in double quotes (\" and \\ inside them). The
// provider's port defaults to 366 for ATRN and 25 for ETRN. Options are the
// names of JobOptions; the settings file gives their defaults.
//
// Passwords written as "*" come from the passwords file, whose keys are the
// job name for an ATRN job and "job/node" for an ETRN command:
//
//   office           secret with spaces
//   nightly/example.com   other:secret
#pragma once

#include <map>
#include <string>
#include <vector>

#include "shim/job_options.hpp"
#include "shim/job_parameters.hpp"
#include "shim/schedule.hpp"

namespace odmr {

enum class JobMode { etrn, atrn };

struct Job {
    std::string name;
    std::string provider_host;
    std::uint16_t provider_port = 0;
    JobMode mode = JobMode::atrn;
    std::vector<EtrnCommand> etrn;  // for ETRN, passwords resolved
    AtrnCredentials atrn;           // for ATRN, password resolved
    Schedule schedule;
    JobOptions options;

    std::string file;  // where the job is written, for messages
    int line = 0;

    // "office: atrn mx2.provider.example:366 example.com;office:******** every 15m"
    std::string describe() const;
};

struct JobsTable {
    std::vector<Job> jobs;
    bool holds_passwords = false;  // a password is written in the table itself

    const Job* find(const std::string& name) const;
};

// The passwords file: key and password, the password being the rest of the
// line. Refuses a file that users other than its owner may read or write.
// Throws ConfigError.
std::map<std::string, std::string> load_passwords_file(const std::string& path);

// Reads the jobs table; passwords_file may be empty when no password is
// written as "*". Refuses a table that contains passwords itself while
// every user may read it. Throws ConfigError naming the file, line, value and fix.
JobsTable load_jobs_table(const std::string& jobs_file, const std::string& passwords_file, const JobOptions& defaults);

// The same for text in memory. `file` names it in errors, and `passwords`
// supplies the passwords written as "*" (passwords_file names that file in
// errors).
JobsTable parse_jobs_table(const std::string& text, const std::string& file,
                           const std::map<std::string, std::string>& passwords, const std::string& passwords_file,
                           const JobOptions& defaults);

}  // namespace odmr
