// The parts of the crash tests, all real and all on loopback: a provider
// Postfix set up from conf-examples/postfix/ with odmrd in front of it, and
// a customer Postfix that delivers example.com to a maildir.
//
// For ATRN, odmr-fetch runs an on-demand ATRN job with --once and relays
// the turned-around session into the customer's listener from
// conf-examples/customer/master.cf, or fetchmail (protocol ODMR) relays it
// into the customer's smtpd. For ETRN, an ETRN on odmrd's ETRN port makes
// odmrd connect to the customer's smtpd on 127.0.0.2, the queue domain's
// fixed address.
//
// The customer's smtpd delays its reply to DATA and to the final dot by a
// second (the sleep restriction), which widens the phases before the
// message text and after the end of data enough to aim a kill at them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/crash/session_probe.hpp"
#include "tests/crash/trial_plan.hpp"
#include "tests/harness/child_process.hpp"
#include "tests/harness/fetch_instance.hpp"
#include "tests/harness/odmrd_instance.hpp"
#include "tests/harness/postfix_instance.hpp"

namespace odmr::test {

struct HeldMail {
    std::string message_id;
    std::vector<std::string> recipients;
    std::size_t size = 0;  // as sent, with CRLF line ends
};

class CrashWorld {
public:
    enum class Setup { atrn_with_odmr_fetch, atrn_with_fetchmail, etrn };

    CrashWorld(std::string directory, Setup setup);
    ~CrashWorld();
    CrashWorld(const CrashWorld&) = delete;
    CrashWorld& operator=(const CrashWorld&) = delete;

    void start();

    // Submits the trial's messages to the provider and waits until Postfix
    // holds every one. Throws std::runtime_error when one is not held.
    std::vector<HeldMail> hold_messages(const TrialPlan& plan);

    // Starts a delivery session in the background. Throws
    // std::runtime_error when the provider does not start one.
    void start_session();

    // Watches the session started next from the current end of the logs.
    SessionProbe make_probe(std::size_t message_size) const;

    // True when the session's client (odmr-fetch or fetchmail for ATRN)
    // has exited.
    bool session_process_ended();

    bool is_running(Victim victim);
    void kill(Victim victim);
    void restart(Victim victim);

    // Waits until the killed session is over on every side that still
    // runs, and Postfix holds what it did not deliver as deferred mail.
    // Returns what did not happen in time, or an empty string.
    std::string wait_until_settled();

    // Runs a session without a kill, and waits until the provider's queue
    // is empty and the customer delivered everything it accepted. Returns
    // what went wrong, or an empty string.
    std::string run_clean_session();

    std::string maildir() const;
    std::string directory() const { return directory_; }

    // The provider's queue and the tails of every log, for a failure.
    std::string diagnostics() const;

private:
    void start_atrn_parts();
    void start_fetchmail_session();
    std::string session_process_name() const;
    void start_etrn_parts();
    PostfixOptions customer_options() const;
    std::size_t sessions_ended() const;
    bool wait_for_session_end(std::size_t ended_before, std::chrono::seconds timeout) const;

    std::string directory_;
    Setup setup_;
    std::uint16_t relay_port_ = 0;  // the customer's odmr-in listener (ATRN)
    std::uint16_t etrn_port_ = 0;   // odmrd's ETRN port (ETRN)

    std::unique_ptr<PostfixInstance> provider_;
    std::unique_ptr<PostfixInstance> customer_;
    std::unique_ptr<OdmrdInstance> odmrd_;
    std::unique_ptr<OdmrFetchInstance> fetch_;
    std::unique_ptr<ChildProcess> session_process_;  // the ATRN session's odmr-fetch --once or fetchmail
    int sessions_started_ = 0;
    // Sessions odmrd had ended before the last one started, or nothing
    // when the last ETRN started no run.
    std::optional<std::size_t> ended_before_session_;
};

}  // namespace odmr::test
