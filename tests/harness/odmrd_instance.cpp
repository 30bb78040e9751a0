#include "tests/harness/odmrd_instance.hpp"

#include <pwd.h>

#include <stdexcept>

#include "smtp/password.hpp"
#include "tests/harness/network.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {

std::string OdmrdInstance::binary() { return ODMR_ODMRD_PATH; }

std::string hash_password(const std::string& scheme, const std::string& password) {
    return make_stored_password(scheme, password);
}

static std::string join(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
}

OdmrdInstance::OdmrdInstance(const std::string& directory, PostfixInstance& provider, OdmrdOptions options)
    : directory_(directory), port_(free_port()) {
    make_directory(directory_, 0755);
    bridge_directory_ = directory_ + "/bridge";
    config_file_ = directory_ + "/odmrd.conf";

    for (auto& account : options.accounts) {
        if (account == "bob {CRAM-MD5}") account = "bob " + hash_password("CRAM-MD5", "bob-secret") + " example.net";
    }
    write_file(directory_ + "/queue-domains", join(options.queue_domains));
    write_file(directory_ + "/accounts", join(options.accounts), 0640);

    std::vector<std::string> settings{
        "myhostname = provider.test",
        "listen = 127.0.0.1:" + std::to_string(port_),
        "accounts_file = " + directory_ + "/accounts",
        "queue_domains_file = " + directory_ + "/queue-domains",
        "bridge_directory = " + bridge_directory_,
        "postfix_config_directory = " + provider.directory(),
        "syslog = no",
        "release_grace_time = 1",
        "auth_failure_delay = 100",
    };
    // A test's own setting replaces the default of the same name, because
    // odmrd refuses a setting given twice.
    const auto name_of = [](const std::string& line) { return line.substr(0, line.find(' ')); };
    for (const auto& line : options.settings) {
        std::erase_if(settings, [&](const std::string& existing) { return name_of(existing) == name_of(line); });
        settings.push_back(line);
    }
    write_file(config_file_, join(settings));

    // odmrd rereads the tables as its user, and refuses to start when that
    // user cannot read them.
    for (const auto& line : settings) {
        if (name_of(line) != "user") continue;
        const passwd* user = getpwnam(line.substr(line.rfind(' ') + 1).c_str());
        if (user == nullptr) continue;
        share_with_group(directory_ + "/queue-domains", user->pw_gid);
        share_with_group(directory_ + "/accounts", user->pw_gid);
    }

    // The transport map comes from odmrd, as an admin would make it.
    std::string map;
    if (run_command({binary(), "-c", config_file_, "--postfix-transport-map"}, map) != 0) {
        throw std::runtime_error("odmrd --postfix-transport-map failed: " + map);
    }
    write_file(provider.directory() + "/odmr_transport", map);
    provider.postmap(provider.directory() + "/odmr_transport");
}

OdmrdInstance::~OdmrdInstance() { stop(); }

void OdmrdInstance::start() {
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{binary(), "-c", config_file_, "-f", "-v"},
                                              directory_ + "/odmrd.log");
    if (!wait_for_port(port_, std::chrono::seconds(10))) {
        throw std::runtime_error("odmrd does not listen on port " + std::to_string(port_) + ":\n" + log());
    }
}

void OdmrdInstance::stop() {
    if (process_) process_->kill_now();
}

std::string OdmrdInstance::log() const { return read_file(directory_ + "/odmrd.log"); }

bool OdmrdInstance::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
    return wait_until([&] { return log().find(text) != std::string::npos; }, timeout);
}

}  // namespace odmr::test
