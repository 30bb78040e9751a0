#include "tests/fetch/fetch_fixture.hpp"

#include <chrono>

#include "smtp/text.hpp"
#include "tests/harness/etrn_provider.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    for (const auto line : split(text, '\n')) lines.emplace_back(line);
    return lines;
}

std::string stored_form(const std::string& message) {
    std::string stored;
    for (const char c : message) {
        if (c != '\r') stored += c;
    }
    return stored;
}

bool ends_with_message(const std::string& delivered, const std::string& original) {
    const std::string expected = stored_form(original);
    return delivered.size() >= expected.size() &&
           delivered.compare(delivered.size() - expected.size(), expected.size(), expected) == 0;
}

std::string with_schedule(std::string job, const std::string& schedule) {
    const std::string on_demand = " on-demand";
    const auto at = job.find(on_demand);
    if (at != std::string::npos) job.replace(at, on_demand.size(), " " + schedule);
    return job;
}

bool has_line_with(const std::string& text, const std::vector<std::string>& parts) {
    for (const auto& line : lines_of(text)) {
        bool all = true;
        for (const auto& part : parts) all = all && line.find(part) != std::string::npos;
        if (all) return true;
    }
    return false;
}

std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++count;
    return count;
}

FetchFixture::FetchFixture() : directory_("odmr-fetch-test"), relay_port_(free_port()), odmrd_port_2_(free_port()) {
    fetch_ = std::make_unique<OdmrFetchInstance>(directory_.file("fetch"));
}

void FetchFixture::start_customer(std::vector<std::string> customer_main_cf,
                                  std::vector<std::string> customer_master_cf) {
    // The listener exactly as conf-examples has it, on a free port.
    PostfixOptions options;
    options.hostname = "customer.test";
    options.mailbox_domains = {"example.com", "example.net", "example.org"};
    options.main_cf = std::move(customer_main_cf);
    options.master_cf = customer_listener_lines(relay_port_);
    options.master_cf.insert(options.master_cf.end(), customer_master_cf.begin(), customer_master_cf.end());
    customer_ = std::make_unique<PostfixInstance>(directory_.file("customer"), options);
    customer_->start();
    ASSERT_TRUE(wait_for_port(relay_port_, std::chrono::seconds(10))) << customer_->log();
}

void FetchFixture::start_atrn(OdmrdOptions odmrd_options, std::vector<std::string> customer_main_cf,
                              std::vector<std::string> customer_master_cf) {
    PostfixOptions provider_options;
    provider_options.hostname = "provider.test";
    provider_options.main_cf = lines_of(conf_example("postfix/main.cf"));
    provider_options.master_cf = lines_of(conf_example("postfix/master.cf"));
    provider_ = std::make_unique<PostfixInstance>(directory_.file("provider"), provider_options);

    odmrd_ = std::make_unique<OdmrdInstance>(directory_.file("odmrd"), *provider_, std::move(odmrd_options));

    // A second listen line adds the address; odmrd listens on both.
    const std::string settings = read_file(odmrd_->config_file());
    write_file(odmrd_->config_file(), concat(settings, "listen = 127.0.0.2:", odmrd_port_2_, "\n"));

    provider_->start();
    odmrd_->start();
    start_customer(std::move(customer_main_cf), std::move(customer_master_cf));
}

void FetchFixture::start_etrn(std::vector<std::string> provider_main_cf) {
    start_customer();
    PostfixOptions options = etrn_provider_options("example.org", customer_->smtp_port());
    options.main_cf.insert(options.main_cf.end(), provider_main_cf.begin(), provider_main_cf.end());
    provider_ = std::make_unique<PostfixInstance>(directory_.file("provider"), options);
    provider_->start();
}

std::string FetchFixture::hold_message(const std::vector<std::string>& recipients, const std::string& subject,
                                       const std::string& body) {
    const std::string message = make_message("sender@sender.test", recipients, subject, body);
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

std::string FetchFixture::atrn_job(const std::string& name, const std::string& parameters,
                                   const std::string& options) const {
    return atrn_job_line(name, "127.0.0.2", odmrd_port_2_, parameters, relay_port_, options);
}

std::vector<std::string> FetchFixture::listener_log_lines(const std::string& containing) const {
    std::vector<std::string> lines;
    for (const auto& line : lines_of(customer_->log())) {
        if (line.find("postfix/odmr-in/") != std::string::npos && line.find(containing) != std::string::npos) {
            lines.push_back(line);
        }
    }
    return lines;
}

}  // namespace odmr::test
