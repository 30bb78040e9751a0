#include "tests/milter/milter_fixture.hpp"

#include <chrono>

#include "smtp/domain.hpp"
#include "smtp/dot_stuffing.hpp"
#include "smtp/text.hpp"
#include "tests/harness/child_process.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {

namespace {

using namespace std::chrono_literals;

// The lines of a conf-examples file, with the example milter address
// replaced by the test's own.
std::vector<std::string> example_lines(const std::string& file, const std::string& milter_socket) {
    const std::string example = conf_example(file);
    std::vector<std::string> lines;
    for (auto line : split(example, '\n')) {
        std::string text(line);
        const auto address = text.find("inet:127.0.0.1:8366");
        if (address != std::string::npos) text.replace(address, std::string("inet:127.0.0.1:8366").size(), milter_socket);
        lines.push_back(text);
    }
    return lines;
}

}  // namespace

std::string message_of_size(const std::vector<std::string>& recipients, std::size_t body_size) {
    std::string body;
    while (body.size() < body_size) body += std::string(70, 'x') + "\n";
    return make_message("sender@sender.test", recipients, "size test", body);
}

MilterSetup with_table(std::vector<std::string> queue_domains) {
    MilterSetup setup;
    setup.queue_domains = std::move(queue_domains);
    return setup;
}

void MilterFixture::start_all(MilterSetup setup) {
    const std::string provider_directory = directory_.file("provider");
    MilterOptions milter_options;
    milter_options.queue_domains = setup.queue_domains;
    milter_options.unix_socket = setup.unix_socket;
    milter_options.settings = setup.milter_settings;
    milter_ = std::make_unique<MilterInstance>(directory_.file("milter"), provider_directory, milter_options);

    PostfixOptions options;
    options.hostname = "provider.test";
    options.mailbox_domains = {"local.test"};
    options.main_cf = example_lines("postfix/main.cf", milter_->socket());
    for (const auto& line : example_lines("postfix/main.cf.milter", milter_->socket())) options.main_cf.push_back(line);
    options.main_cf.insert(options.main_cf.end(), setup.main_cf.begin(), setup.main_cf.end());
    options.master_cf = example_lines("postfix/master.cf", milter_->socket());
    unchecked_port_ = free_port();
    options.master_cf.push_back("127.0.0.1:" + std::to_string(unchecked_port_) +
                                " inet n - n - - smtpd -o smtpd_milters=");
    provider_ = std::make_unique<PostfixInstance>(provider_directory, options);

    OdmrdOptions odmrd_options;
    odmrd_options.queue_domains = setup.queue_domains;
    odmrd_ = std::make_unique<OdmrdInstance>(directory_.file("odmrd"), *provider_, odmrd_options);

    // The milter's first listing needs Postfix's showq service running.
    provider_->start();
    if (setup.start_milter) milter_->start();
}

std::unique_ptr<ScriptedClient> MilterFixture::connect(std::uint16_t port) {
    auto client = std::make_unique<ScriptedClient>(port == 0 ? provider_->smtp_port() : port);
    EXPECT_EQ(client->read_reply().code, 220);
    EXPECT_EQ(client->command("EHLO client.test").code, 250);
    return client;
}

Reply MilterFixture::send_data(ScriptedClient& client, const std::string& message) {
    const Reply data = client.command("DATA");
    if (data.code != 354) return data;
    client.send_raw(dot_stuff_message(message));
    return client.read_reply();
}

void MilterFixture::hold_unchecked(const std::vector<std::string>& recipients) {
    const std::size_t before = provider_->queue().size();
    const Reply reply = send_message(unchecked_port_, "sender@sender.test", recipients,
                                     make_message("sender@sender.test", recipients, "unchecked", "Hello.\n"));
    ASSERT_EQ(reply.code, 250) << reply.summary();
    ASSERT_TRUE(wait_until([&] { return provider_->queue().size() > before; }, 20s)) << provider_->log();
}

void MilterFixture::submit_locally(const std::string& sender, const std::vector<std::string>& recipients,
                                   const std::string& message) {
    const std::string file = directory_.file("local-message");
    write_file(file, message);
    std::string command = "/usr/sbin/sendmail -C " + provider_->directory() + " -f " + sender;
    for (const auto& recipient : recipients) command += " " + recipient;
    command += " < " + file;

    std::string output;
    ASSERT_EQ(run_command({"/bin/sh", "-c", command}, output), 0) << output;
}

std::vector<std::string> MilterFixture::queued_recipients(const std::string& domain) const {
    std::vector<std::string> recipients;
    for (const auto& message : provider_->queue()) {
        for (const auto& recipient : message.recipients) {
            if (domain_of(recipient) == domain) recipients.push_back(recipient);
        }
    }
    return recipients;
}

std::size_t MilterFixture::queued_messages(const std::string& domain) const {
    std::size_t count = 0;
    for (const auto& message : provider_->queue()) {
        bool in_domain = false;
        for (const auto& recipient : message.recipients) in_domain = in_domain || domain_of(recipient) == domain;
        if (in_domain) ++count;
    }
    return count;
}

}  // namespace odmr::test
