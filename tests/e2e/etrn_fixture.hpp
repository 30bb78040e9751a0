// ETRN tests: a provider Postfix set up from conf-examples (the ETRN
// snippet included), odmrd with its ETRN port and Postfix's policy socket,
// and a customer Postfix on 127.0.0.2 as the queue domains' fixed address.
#pragma once

#include <functional>

#include "tests/e2e/atrn_fixture.hpp"

namespace odmr::test {

class EtrnFixture : public AtrnFixture {
protected:
    // queue_domains gets the customer's fixed address ("[127.0.0.2]:PORT")
    // and returns the queue-domain table lines.
    void start_etrn(const std::function<std::vector<std::string>(const std::string& fixed_address)>& queue_domains,
                    std::vector<std::string> accounts = {"alice {PLAIN}alice-secret example.com"},
                    std::vector<std::string> settings = {}, std::vector<std::string> customer_main_cf = {});

    // The same with example.com and example.net held for the customer and
    // ETRN allowed from 127.0.0.1, where the tests' clients connect from.
    void start_etrn_default(std::vector<std::string> settings = {});

    // example.com with etrn_tls=encrypt, and a customer offering STARTTLS
    // with the certificate and key in the test directory.
    void start_etrn_with_customer_tls();

    std::uint16_t etrn_port() const { return etrn_port_; }
    std::unique_ptr<ScriptedClient> etrn_client(std::uint16_t port, const std::string& source = "");

    // Delivered-To values of what the customer received, sorted.
    std::vector<std::string> delivered_recipients() const;

    std::uint16_t etrn_port_ = 0;
};

}  // namespace odmr::test
