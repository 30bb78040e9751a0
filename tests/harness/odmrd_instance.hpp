// odmrd for one test: its settings and tables in the test directory, the
// provider Postfix's transport map made by odmrd itself, and the daemon run
// in the foreground on a free loopback port.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/harness/child_process.hpp"
#include "tests/harness/postfix_instance.hpp"

namespace odmr::test {

struct OdmrdOptions {
    std::vector<std::string> queue_domains{"example.com", "example.net"};
    std::vector<std::string> accounts{"alice {PLAIN}alice-secret example.com",
                                      "bob {CRAM-MD5}" /* filled in below when empty */};
    std::vector<std::string> settings;  // extra "name = value" lines
};

class OdmrdInstance {
public:
    // Writes the settings and tables, and installs the transport map into
    // the provider's configuration directory. Call before provider.start().
    OdmrdInstance(const std::string& directory, PostfixInstance& provider, OdmrdOptions options = {});
    ~OdmrdInstance();

    void start();
    void stop();

    std::uint16_t port() const { return port_; }
    const std::string& config_file() const { return config_file_; }
    const std::string& bridge_directory() const { return bridge_directory_; }
    std::string log() const;
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const;
    ChildProcess* process() { return process_.get(); }

    static std::string binary();

private:
    std::string directory_;
    std::uint16_t port_;
    std::string config_file_;
    std::string bridge_directory_;
    std::unique_ptr<ChildProcess> process_;
};

// Makes the "{CRAM-MD5}..." form of a password with odmrd --hash-password.
std::string hash_password(const std::string& scheme, const std::string& password);

}  // namespace odmr::test
