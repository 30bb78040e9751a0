// A provider Postfix set up with the conf-examples snippets (main.cf,
// master.cf, main.cf.milter), odmr-milter in front of it, local.test
// delivered to a maildir as the "other domain", and a second smtpd port
// without the milter for mail that should arrive unchecked.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/harness/mail_client.hpp"
#include "tests/harness/odmrd_instance.hpp"
#include "tests/harness/postfix_instance.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/milter/milter_instance.hpp"

namespace odmr::test {

struct MilterSetup {
    // The queue-domain table. odmrd's transport map needs example.com and
    // example.net, which its test accounts name.
    std::vector<std::string> queue_domains{"example.com", "example.net"};
    std::vector<std::string> main_cf;          // extra provider main.cf lines
    std::vector<std::string> milter_settings;  // extra odmr-milter "name = value" lines
    bool unix_socket = false;
    bool start_milter = true;
};

// A setup that differs from the default only in its queue-domain table.
MilterSetup with_table(std::vector<std::string> queue_domains);

class MilterFixture : public ::testing::Test {
protected:
    void start_all(MilterSetup setup);

    // Connects to the provider's smtpd with the milter and sends EHLO.
    std::unique_ptr<ScriptedClient> connect(std::uint16_t port = 0);

    // Sends DATA and the message; returns the final reply.
    Reply send_data(ScriptedClient& client, const std::string& message);

    // Submits a message through the smtpd without the milter and waits
    // until Postfix has queued it.
    void hold_unchecked(const std::vector<std::string>& recipients);

    // Submits a message with sendmail(1), as a local user would.
    void submit_locally(const std::string& sender, const std::vector<std::string>& recipients,
                        const std::string& message);

    // The recipients in the queue in a domain, in any queue.
    std::vector<std::string> queued_recipients(const std::string& domain) const;

    // The number of queued messages with a recipient in a domain.
    std::size_t queued_messages(const std::string& domain) const;

    TempDirectory directory_;
    std::unique_ptr<PostfixInstance> provider_;
    std::unique_ptr<OdmrdInstance> odmrd_;  // for its transport map only; never started
    std::unique_ptr<MilterInstance> milter_;
    std::uint16_t unchecked_port_ = 0;
};

// A message of about body_size bytes from sender@sender.test.
std::string message_of_size(const std::vector<std::string>& recipients, std::size_t body_size);

}  // namespace odmr::test
