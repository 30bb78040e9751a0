#include "tests/e2e/etrn_fixture.hpp"

#include <algorithm>

#include "smtp/text.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {

static std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    for (auto line : split(text, '\n')) lines.emplace_back(line);
    return lines;
}

void EtrnFixture::start_etrn(
    const std::function<std::vector<std::string>(const std::string& fixed_address)>& queue_domains,
    std::vector<std::string> accounts, std::vector<std::string> settings, std::vector<std::string> customer_main_cf) {
    PostfixOptions customer_options;
    customer_options.hostname = "customer.test";
    customer_options.listen_address = "127.0.0.2";
    customer_options.mailbox_domains = {"example.com", "example.net", "mx.example.com", "badexample.com",
                                        "example.com.example.net"};
    customer_options.main_cf = std::move(customer_main_cf);
    customer_ = std::make_unique<PostfixInstance>(directory_.file("customer"), customer_options);

    PostfixOptions provider_options;
    provider_options.hostname = "provider.test";
    provider_options.main_cf = lines_of(conf_example("postfix/main.cf"));
    for (const auto& line : lines_of(conf_example("postfix/main.cf.etrn"))) provider_options.main_cf.push_back(line);
    provider_options.master_cf = lines_of(conf_example("postfix/master.cf"));
    provider_ = std::make_unique<PostfixInstance>(directory_.file("provider"), provider_options);

    etrn_port_ = free_port();
    OdmrdOptions options;
    options.queue_domains = queue_domains("[127.0.0.2]:" + std::to_string(customer_->smtp_port()));
    options.accounts = std::move(accounts);
    options.settings = {"etrn_listen = 127.0.0.1:" + std::to_string(etrn_port_),
                        "policy_listen = unix:" + provider_->directory() + "/queue/private/odmr-policy",
                        "etrn_min_interval = 0"};
    options.settings.insert(options.settings.end(), settings.begin(), settings.end());
    odmrd_ = std::make_unique<OdmrdInstance>(directory_.file("odmrd"), *provider_, options);

    provider_->start();
    odmrd_->start();
    customer_->start();
}

void EtrnFixture::start_etrn_default(std::vector<std::string> settings) {
    start_etrn(
        [](const std::string& fixed) {
            return std::vector<std::string>{"example.com etrn_address=" + fixed + " etrn_clients=127.0.0.1",
                                            "example.net etrn_address=" + fixed + " etrn_clients=127.0.0.1"};
        },
        {"alice {PLAIN}alice-secret example.com"}, std::move(settings));
}

void EtrnFixture::start_etrn_with_customer_tls() {
    start_etrn(
        [](const std::string& fixed) {
            return std::vector<std::string>{"example.com etrn_address=" + fixed +
                                            " etrn_clients=127.0.0.1 etrn_tls=encrypt"};
        },
        {"alice {PLAIN}alice-secret example.com"}, {},
        {"smtpd_tls_security_level = may", "smtpd_tls_cert_file = " + directory_.file("certificate.pem"),
         "smtpd_tls_key_file = " + directory_.file("key.pem"), "smtpd_tls_loglevel = 1"});
}

std::unique_ptr<ScriptedClient> EtrnFixture::etrn_client(std::uint16_t port, const std::string& source) {
    auto client = std::make_unique<ScriptedClient>(port, "127.0.0.1", source);
    EXPECT_EQ(client->read_reply().code, 220);
    EXPECT_EQ(client->command("EHLO client.test").code, 250);
    return client;
}

std::vector<std::string> EtrnFixture::delivered_recipients() const {
    std::vector<std::string> recipients;
    for (const auto& message : customer_->delivered_messages()) {
        const auto start = message.find("Delivered-To: ");
        if (start == std::string::npos) continue;
        const auto end = message.find('\n', start);
        recipients.push_back(message.substr(start + 14, end - start - 14));
    }
    std::sort(recipients.begin(), recipients.end());
    return recipients;
}

}  // namespace odmr::test
