// A provider Postfix set up with the conf-examples snippets, odmrd in front
// of it, and a customer Postfix that delivers example.com and example.net
// to a maildir: the parts of every ATRN test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/harness/mail_client.hpp"
#include "tests/harness/odmrd_instance.hpp"
#include "tests/harness/postfix_instance.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {

class AtrnFixture : public ::testing::Test {
protected:
    // Starts the provider, odmrd and the customer. The options let a test
    // change odmrd's tables or give the customer other main.cf lines.
    void start_all(OdmrdOptions odmrd_options = {}, std::vector<std::string> customer_main_cf = {});

    // Stops everything, the two Postfix instances at the same time.
    void TearDown() override;

    // Submits a message to the provider and waits until Postfix holds it.
    std::string hold_message(const std::vector<std::string>& recipients, const std::string& subject,
                             const std::string& body = "Hello.\n", const std::string& extra_headers = "");

    FetchmailRun fetch(const std::string& login, const std::string& password, const std::string& domains);

    // Logs in on the ODMR port with AUTH PLAIN (odmrd allows it in clear
    // only when the test enabled allow_plaintext_auth) or CRAM-MD5.
    std::unique_ptr<ScriptedClient> login_cram_md5(const std::string& login, const std::string& password);

    TempDirectory directory_;
    std::unique_ptr<PostfixInstance> provider_;
    std::unique_ptr<PostfixInstance> customer_;
    std::unique_ptr<OdmrdInstance> odmrd_;
};

// The message as the customer's maildir stores it: LF line ends.
std::string as_stored(const std::string& message);

// True when a delivered copy ends with the original message: only trace
// headers (Return-Path, Delivered-To, Received...) were added in front.
bool ends_with_original(const std::string& delivered, const std::string& original);

}  // namespace odmr::test
