#include "tests/e2e/atrn_fixture.hpp"

#include <chrono>

#include "smtp/base64.hpp"
#include "smtp/sasl.hpp"
#include "smtp/text.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {

static std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    for (auto line : split(text, '\n')) lines.emplace_back(line);
    return lines;
}

void AtrnFixture::start_all(OdmrdOptions odmrd_options, std::vector<std::string> customer_main_cf) {
    PostfixOptions provider_options;
    provider_options.hostname = "provider.test";
    provider_options.main_cf = lines_of(conf_example("postfix/main.cf"));
    provider_options.master_cf = lines_of(conf_example("postfix/master.cf"));
    provider_ = std::make_unique<PostfixInstance>(directory_.file("provider"), provider_options);

    odmrd_ = std::make_unique<OdmrdInstance>(directory_.file("odmrd"), *provider_, std::move(odmrd_options));

    PostfixOptions customer_options;
    customer_options.hostname = "customer.test";
    customer_options.mailbox_domains = {"example.com", "example.net"};
    customer_options.main_cf = std::move(customer_main_cf);
    customer_ = std::make_unique<PostfixInstance>(directory_.file("customer"), customer_options);

    provider_->start();
    odmrd_->start();
    customer_->start();
}

void AtrnFixture::TearDown() {
    if (odmrd_) odmrd_->stop();
    stop_together({provider_.get(), customer_.get()});
}

std::string AtrnFixture::hold_message(const std::vector<std::string>& recipients, const std::string& subject,
                                      const std::string& body, const std::string& extra_headers) {
    const std::string message = make_message("sender@sender.test", recipients, subject, body, extra_headers);
    const Reply reply = send_message(provider_->smtp_port(), "sender@sender.test", recipients, message);
    EXPECT_EQ(reply.code, 250) << reply.summary();

    // Held means deferred by defer_transports, with nothing delivered.
    const std::string queue_id = reply.lines.empty() ? "" : reply.lines.front().substr(reply.lines.front().rfind(' ') + 1);
    const bool held = wait_until(
        [&] {
            for (const auto& held_message : provider_->queue()) {
                if (held_message.queue_id == queue_id && held_message.queue_name == "deferred") return true;
            }
            return false;
        },
        std::chrono::seconds(20));
    EXPECT_TRUE(held) << "message " << queue_id << " was not held\n" << provider_->log();
    return message;
}

FetchmailRun AtrnFixture::fetch(const std::string& login, const std::string& password, const std::string& domains) {
    return run_fetchmail_odmr(directory_.path(), odmrd_->port(), login, password, domains, customer_->smtp_port(),
                              std::chrono::seconds(60), customer_->listen_address());
}

std::unique_ptr<ScriptedClient> AtrnFixture::login_cram_md5(const std::string& login, const std::string& password) {
    auto client = std::make_unique<ScriptedClient>(odmrd_->port());
    EXPECT_EQ(client->read_reply().code, 220);
    EXPECT_EQ(client->command("EHLO client.test").code, 250);

    const Reply challenge = client->command("AUTH CRAM-MD5");
    EXPECT_EQ(challenge.code, 334);
    const auto decoded = base64_decode(challenge.lines.front());
    const std::string answer = cram_md5_client_answer(login, password, decoded.value_or(""));
    EXPECT_EQ(client->command(base64_encode(answer)).code, 235);
    return client;
}

std::string as_stored(const std::string& message) {
    std::string stored;
    for (char c : message) {
        if (c != '\r') stored += c;
    }
    return stored;
}

bool ends_with_original(const std::string& delivered, const std::string& original) {
    const std::string expected = as_stored(original);
    return delivered.size() >= expected.size() &&
           delivered.compare(delivered.size() - expected.size(), expected.size(), expected) == 0;
}

}  // namespace odmr::test
