#include "tests/harness/fetch_instance.hpp"

#include <stdexcept>

#include "smtp/text.hpp"
#include "tests/harness/network.hpp"
#include "tests/harness/postfix_instance.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {

std::string OdmrFetchInstance::binary() { return ODMR_FETCH_PATH; }

OdmrFetchInstance::OdmrFetchInstance(const std::string& directory, const std::vector<std::string>& settings)
    : directory_(directory),
      config_file_(directory + "/odmr-fetch.conf"),
      jobs_file_(directory + "/fetch-jobs"),
      passwords_file_(directory + "/fetch-passwords") {
    make_directory(directory_, 0755);

    std::string text = concat("jobs_file = ", jobs_file_, "\n",
                              "syslog = no\n"
                              "myhostname = customer.test\n"
                              "tls = none\n"
                              "max_jitter = 0\n"
                              "retry_delay = 1\n"
                              "max_retry_delay = 2\n");
    for (const auto& line : settings) text += line + "\n";
    write_file(config_file_, text);
}

OdmrFetchInstance::~OdmrFetchInstance() {
    if (daemon_) daemon_->kill_now();
}

void OdmrFetchInstance::write_jobs(const std::vector<std::string>& jobs, unsigned mode) const {
    std::string text = "# name  provider  mode  parameters  schedule  options\n";
    for (const auto& job : jobs) text += job + "\n";
    write_file(jobs_file_, text, mode);
}

void OdmrFetchInstance::write_passwords(const std::vector<std::string>& entries, unsigned mode) const {
    std::string text;
    for (const auto& entry : entries) text += entry + "\n";
    write_file(passwords_file_, text, mode);
}

FetchRun OdmrFetchInstance::run(const std::vector<std::string>& arguments, std::chrono::seconds timeout) const {
    std::vector<std::string> argv{binary(), "-c", config_file_};
    argv.insert(argv.end(), arguments.begin(), arguments.end());

    FetchRun result;
    result.status = run_command(argv, result.output, timeout);
    return result;
}

FetchRun OdmrFetchInstance::run_once(const std::vector<std::string>& arguments, std::chrono::seconds timeout) const {
    std::vector<std::string> all{"--once", "-v"};
    all.insert(all.end(), arguments.begin(), arguments.end());
    return run(all, timeout);
}

void OdmrFetchInstance::start_daemon() {
    daemon_ = std::make_unique<ChildProcess>(std::vector<std::string>{binary(), "-c", config_file_, "-f", "-v"},
                                             directory_ + "/daemon.log");
}

std::string OdmrFetchInstance::daemon_log() const { return read_file(directory_ + "/daemon.log"); }

bool OdmrFetchInstance::wait_for_daemon_log(const std::string& text, std::chrono::milliseconds timeout) const {
    return wait_until([&] { return daemon_log().find(text) != std::string::npos; }, timeout);
}

std::vector<std::string> customer_listener_lines(std::uint16_t port) {
    std::string text = conf_example("customer/master.cf");
    const std::string example_service = "\n127.0.0.1:10026 ";
    const auto service = text.find(example_service);
    if (service == std::string::npos) {
        throw std::runtime_error("conf-examples/customer/master.cf has no 127.0.0.1:10026 service");
    }
    text.replace(service, example_service.size(), concat("\n127.0.0.1:", port, " "));

    std::vector<std::string> lines;
    for (const auto line : split(text, '\n')) lines.emplace_back(line);
    return lines;
}

std::string atrn_job_line(const std::string& name, const std::string& address, std::uint16_t port,
                          const std::string& parameters, std::uint16_t relay_port, const std::string& options) {
    return concat(name, " ", address, ":", port, " atrn ", parameters, " on-demand relay=inet:127.0.0.1:", relay_port,
                  options.empty() ? "" : " " + options);
}

}  // namespace odmr::test
