// The parts of odmr-fetch's end-to-end tests. The provider is a Postfix
// with odmrd in front of it (as conf-examples/postfix/ sets it up), or a
// Postfix that serves ETRN itself. The customer is a Postfix with the
// listener from conf-examples/customer/master.cf and a maildir for
// example.com, example.net and example.org. odmr-fetch runs between them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/harness/fetch_instance.hpp"
#include "tests/harness/mail_client.hpp"
#include "tests/harness/odmrd_instance.hpp"
#include "tests/harness/postfix_instance.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {

class FetchFixture : public ::testing::Test {
protected:
    FetchFixture();

    // Starts the provider, odmrd and the customer. odmrd listens on
    // 127.0.0.1 and on 127.0.0.2, so a test can give the provider an
    // address that differs from odmr-fetch's own.
    void start_atrn(OdmrdOptions odmrd_options = {}, std::vector<std::string> customer_main_cf = {},
                    std::vector<std::string> customer_master_cf = {});

    // Starts a provider Postfix that holds example.org for ETRN towards the
    // customer's smtpd, with extra main.cf lines, and the customer.
    void start_etrn(std::vector<std::string> provider_main_cf = {});

    // Starts only the customer, for tests with a scripted provider; the
    // extra master.cf lines come after the listener.
    void start_customer(std::vector<std::string> customer_main_cf = {},
                        std::vector<std::string> customer_master_cf = {});

    // Submits a message to the provider and waits until Postfix holds it.
    std::string hold_message(const std::vector<std::string>& recipients, const std::string& subject,
                             const std::string& body = "Hello.\n");

    // A jobs-table line for an ATRN job against odmrd on 127.0.0.2.
    std::string atrn_job(const std::string& name, const std::string& parameters, const std::string& options = "") const;

    // The customer listener's log lines (syslog_name postfix/odmr-in).
    std::vector<std::string> listener_log_lines(const std::string& containing) const;

    TempDirectory directory_;
    std::uint16_t relay_port_;    // the customer's odmr-in listener
    std::uint16_t odmrd_port_2_;  // odmrd's port on 127.0.0.2
    std::unique_ptr<PostfixInstance> provider_;
    std::unique_ptr<PostfixInstance> customer_;
    std::unique_ptr<OdmrdInstance> odmrd_;
    std::unique_ptr<OdmrFetchInstance> fetch_;
};

std::vector<std::string> lines_of(const std::string& text);

// The message as the customer's maildir stores it: LF line ends.
std::string stored_form(const std::string& message);

// True when a delivered copy ends with the original message.
bool ends_with_message(const std::string& delivered, const std::string& original);

// A jobs-table line with its "on-demand" schedule replaced.
std::string with_schedule(std::string job, const std::string& schedule);

// True when one line of the text contains every part.
bool has_line_with(const std::string& text, const std::vector<std::string>& parts);

// How often text occurs in a string.
std::size_t count_of(const std::string& text, const std::string& part);

}  // namespace odmr::test
