// ETRN jobs end to end against Postfix's own ETRN: the provider Postfix
// holds example.org for the etrn-only transport, and after odmr-fetch's
// ETRN it delivers to the customer Postfix's fixed address.
#include "tests/fetch/fetch_fixture.hpp"

#include "smtp/text.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

using EtrnFetch = FetchFixture;

std::string etrn_job(const std::string& name, std::uint16_t port, const std::string& parameters,
                     const std::string& options = "") {
    return concat(name, " 127.0.0.1:", port, " etrn \"", parameters, "\" on-demand", options.empty() ? "" : " " + options);
}

TEST_F(EtrnFetch, HeldMailArrivesAfterEtrn) {
    start_etrn();
    const std::string first = hold_message({"a@example.org"}, "first");
    const std::string second = hold_message({"b@example.org", "c@example.org"}, "second");
    fetch_->write_jobs({etrn_job("backup", provider_->smtp_port(), "example.org")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("backup: ETRN example.org at [127.0.0.1]:"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find(": 250 Queuing started (queuing started)"), std::string::npos) << run.output;
    ASSERT_TRUE(customer_->wait_for_delivered(3, 30s)) << provider_->log() << customer_->log();
    for (const auto& copy : customer_->delivered_messages()) {
        EXPECT_TRUE(ends_with_message(copy, first) || ends_with_message(copy, second)) << copy;
    }
    EXPECT_TRUE(wait_until([&] { return provider_->queued_recipients() == 0; }, 20s)) << provider_->log();
}

TEST_F(EtrnFetch, UnknownDomainGets459) {
    start_etrn();
    fetch_->write_jobs({etrn_job("backup", provider_->smtp_port(), "example.org;example.net")});

    const FetchRun run = fetch_->run_once();

    EXPECT_EQ(run.status, 1) << run.output;
    EXPECT_NE(run.output.find("ETRN example.net at [127.0.0.1]:"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("459 <example.net>: service unavailable (node refused by the provider)"),
              std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("1 of 2 ETRN commands accepted"), std::string::npos) << run.output;
}

TEST_F(EtrnFetch, PasswordNeverLogged) {
    // Postfix's own ETRN takes no password; whatever it replies, the log
    // must show the password masked.
    start_etrn();
    fetch_->write_jobs({etrn_job("backup", provider_->smtp_port(), "example.org s3cret-etrn")});

    const FetchRun run = fetch_->run_once();

    EXPECT_NE(run.output.find("ETRN example.org ******** at [127.0.0.1]"), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("s3cret-etrn"), std::string::npos) << "a password reached the log";
}

TEST_F(EtrnFetch, UnadvertisedEtrnNeedsForce) {
    start_etrn({"smtpd_discard_ehlo_keywords = etrn"});
    hold_message({"a@example.org"}, "first");
    fetch_->write_jobs({etrn_job("plain", provider_->smtp_port(), "example.org"),
                        etrn_job("forced", provider_->smtp_port(), "example.org", "force_etrn=yes")});

    const FetchRun plain = fetch_->run_once({"--job", "plain"});
    EXPECT_EQ(plain.status, 1) << plain.output;
    EXPECT_NE(plain.output.find("does not advertise ETRN; ask the provider to enable it, or set force_etrn=yes"),
              std::string::npos)
        << plain.output;

    const FetchRun forced = fetch_->run_once({"--job", "forced"});
    EXPECT_EQ(forced.status, 0) << forced.output;
    EXPECT_NE(forced.output.find("does not advertise ETRN; sending it anyway because force_etrn=yes"),
              std::string::npos)
        << forced.output;
    EXPECT_TRUE(customer_->wait_for_delivered(1, 30s)) << provider_->log();
}

}  // namespace
}  // namespace odmr::test
