#include "tests/crash/crash_world.hpp"

#include <signal.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "smtp/text.hpp"
#include "tests/harness/mail_client.hpp"
#include "tests/harness/network.hpp"
#include "tests/harness/temp_directory.hpp"

namespace odmr::test {

namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    for (const auto line : split(text, '\n')) lines.emplace_back(line);
    return lines;
}

std::string tail(const std::string& text, std::size_t length = 6000) {
    return text.size() <= length ? text : "...\n" + text.substr(text.size() - length);
}

// The listener from conf-examples/customer/master.cf, moved from its
// example port 10026 to `port`.
std::vector<std::string> listener_lines(std::uint16_t port) {
    std::string text = conf_example("customer/master.cf");
    const std::string example_service = "\n127.0.0.1:10026 ";
    const auto service = text.find(example_service);
    if (service == std::string::npos) {
        throw std::runtime_error("conf-examples/customer/master.cf has no 127.0.0.1:10026 service");
    }
    text.replace(service, example_service.size(), concat("\n127.0.0.1:", port, " "));
    return lines_of(text);
}

std::string queue_id_of(const Reply& reply) {
    const std::string line = reply.lines.empty() ? std::string() : reply.lines.front();
    const auto marker = line.find("queued as ");
    return marker == std::string::npos ? std::string() : line.substr(marker + 10);
}

std::string message_id_of(const std::string& message) {
    const auto start = message.find("\nMessage-ID: ");
    if (start == std::string::npos) return {};
    const auto end = message.find('\n', start + 1);
    return message.substr(start + 13, end - start - 13);
}

}  // namespace

CrashWorld::CrashWorld(std::string directory, Setup setup) : directory_(std::move(directory)), setup_(setup) {}

CrashWorld::~CrashWorld() {
    if (session_process_) session_process_->kill_now();
    if (odmrd_) odmrd_->stop();
    stop_together({provider_.get(), customer_.get()});
}

PostfixOptions CrashWorld::customer_options() const {
    PostfixOptions options;
    options.hostname = "customer.test";
    options.mailbox_domains = {"example.com"};
    // The sleeps hold the reply to DATA and to the end of data, so a kill
    // can land before the message text and after the final dot.
    options.main_cf = {"smtpd_data_restrictions = sleep 1", "smtpd_end_of_data_restrictions = sleep 1"};
    return options;
}

void CrashWorld::start() {
    if (setup_ == Setup::etrn) {
        start_etrn_parts();
    } else {
        start_atrn_parts();
    }
}

void CrashWorld::start_atrn_parts() {
    relay_port_ = free_port();
    PostfixOptions customer = customer_options();
    customer.master_cf = listener_lines(relay_port_);
    customer_ = std::make_unique<PostfixInstance>(directory_ + "/customer", customer);

    PostfixOptions provider;
    provider.hostname = "provider.test";
    provider.main_cf = lines_of(conf_example("postfix/main.cf"));
    provider.master_cf = lines_of(conf_example("postfix/master.cf"));
    provider_ = std::make_unique<PostfixInstance>(directory_ + "/provider", provider);
    odmrd_ = std::make_unique<OdmrdInstance>(directory_ + "/odmrd", *provider_);

    fetch_ = std::make_unique<OdmrFetchInstance>(directory_ + "/fetch");
    fetch_->write_jobs({atrn_job_line("crash", "127.0.0.1", odmrd_->port(), "example.com;alice:alice-secret",
                                      relay_port_)});

    provider_->start();
    odmrd_->start();
    customer_->start();
    if (!wait_for_port(relay_port_, 10s)) {
        throw std::runtime_error("the customer's listener does not start:\n" + customer_->log());
    }
}

void CrashWorld::start_etrn_parts() {
    PostfixOptions customer = customer_options();
    customer.listen_address = "127.0.0.2";
    customer_ = std::make_unique<PostfixInstance>(directory_ + "/customer", customer);

    PostfixOptions provider;
    provider.hostname = "provider.test";
    provider.main_cf = lines_of(conf_example("postfix/main.cf"));
    for (const auto& line : lines_of(conf_example("postfix/main.cf.etrn"))) provider.main_cf.push_back(line);
    provider.master_cf = lines_of(conf_example("postfix/master.cf"));
    provider_ = std::make_unique<PostfixInstance>(directory_ + "/provider", provider);

    etrn_port_ = free_port();
    OdmrdOptions options;
    options.queue_domains = {concat("example.com etrn_address=[127.0.0.2]:", customer_->smtp_port(),
                                    " etrn_clients=127.0.0.1")};
    options.accounts = {"alice {PLAIN}alice-secret example.com"};
    options.settings = {concat("etrn_listen = 127.0.0.1:", etrn_port_),
                        "policy_listen = unix:" + provider_->directory() + "/queue/private/odmr-policy",
                        "etrn_min_interval = 0"};
    odmrd_ = std::make_unique<OdmrdInstance>(directory_ + "/odmrd", *provider_, options);

    provider_->start();
    odmrd_->start();
    customer_->start();
}

std::vector<HeldMail> CrashWorld::hold_messages(const TrialPlan& plan) {
    std::vector<HeldMail> held;
    std::set<std::string> queue_ids;
    for (int index = 1; index <= plan.messages; ++index) {
        HeldMail mail;
        const std::string local_part = concat("t", plan.number, "m", index);
        mail.recipients = {local_part + "@example.com"};
        if (index == plan.two_recipient_message) mail.recipients.push_back(local_part + "b@example.com");

        const std::string body = make_body(plan.seed + static_cast<std::uint64_t>(index), plan.body_size);
        const std::string message = make_message("sender@sender.test", mail.recipients,
                                                 concat("crash trial ", plan.number, " message ", index), body);
        mail.message_id = message_id_of(message);
        mail.size = message.size() + static_cast<std::size_t>(std::count(message.begin(), message.end(), '\n'));

        const Reply reply = send_message(provider_->smtp_port(), "sender@sender.test", mail.recipients, message);
        if (reply.code != 250) {
            throw std::runtime_error(
                concat("the provider did not accept message ", mail.message_id, ": ", reply.summary()));
        }
        queue_ids.insert(queue_id_of(reply));
        held.push_back(std::move(mail));
    }

    // Held means deferred by defer_transports, with nothing delivered.
    const bool all_held = wait_until(
        [&] {
            std::size_t deferred = 0;
            for (const auto& message : provider_->queue()) {
                if (queue_ids.count(message.queue_id) > 0 && message.queue_name == "deferred") ++deferred;
            }
            return deferred == queue_ids.size();
        },
        30s);
    if (!all_held) throw std::runtime_error("the provider did not hold every message:\n" + diagnostics());
    return held;
}

std::size_t CrashWorld::sessions_ended() const {
    const std::string log = odmrd_->log();
    const std::string marker = setup_ == Setup::etrn ? "session=etrn end" : "session=atrn end";
    std::size_t count = 0;
    for (auto at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) ++count;
    return count;
}

bool CrashWorld::wait_for_session_end(std::size_t ended_before, std::chrono::seconds timeout) const {
    return wait_until([&] { return sessions_ended() > ended_before; }, timeout);
}

void CrashWorld::start_session() {
    ++sessions_started_;
    ended_before_session_ = sessions_ended();

    if (setup_ == Setup::atrn_with_odmr_fetch) {
        session_process_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{OdmrFetchInstance::binary(), "-c", fetch_->config_file(), "--once", "-v"},
            concat(directory_, "/fetch/session-", sessions_started_, ".log"));
        return;
    }
    if (setup_ == Setup::atrn_with_fetchmail) return start_fetchmail_session();

    // RFC 1985's replies: 253 when a run started for the pending
    // messages, 251 when nothing is waiting.
    ScriptedClient client(etrn_port_);
    const Reply greeting = client.read_reply();
    if (greeting.code != 220) throw std::runtime_error("odmrd's ETRN port greeted with " + greeting.summary());
    client.command("EHLO customer.test");
    const Reply reply = client.command("ETRN example.com");
    client.command("QUIT");
    if (reply.code != 253 && reply.code != 251) {
        throw std::runtime_error("ETRN example.com was answered " + reply.summary() + "\n" + tail(odmrd_->log()));
    }
    if (reply.code == 251) ended_before_session_.reset();
}

SessionProbe CrashWorld::make_probe(std::size_t message_size) const {
    return SessionProbe(directory_ + "/odmrd/odmrd.log", customer_->directory(), message_size);
}

void CrashWorld::start_fetchmail_session() {
    const std::string home = directory_ + "/fetchmail";
    make_directory(home, 0700);
    const std::string rc = home + "/fetchmailrc";
    write_file(rc,
               concat("poll 127.0.0.1 service ", odmrd_->port(), " protocol ODMR\n",
                      "  user \"alice\" password \"alice-secret\"\n", "  fetchdomains example.com\n",
                      "  smtphost 127.0.0.1/", customer_->smtp_port(), "\n"),
               0600);

    // A private pid file, because as root fetchmail's default lock is one
    // file for the whole machine. The next run removes the stale file of a
    // killed one.
    session_process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"fetchmail", "-f", rc, "-v", "--nosyslog", "--pidfile", home + "/fetchmail.pid"},
        concat(home, "/session-", sessions_started_, ".log"),
        std::map<std::string, std::string>{{"FETCHMAILHOME", home}});
}

std::string CrashWorld::session_process_name() const {
    return setup_ == Setup::atrn_with_fetchmail ? "fetchmail" : "odmr-fetch";
}

bool CrashWorld::session_process_ended() { return session_process_ && !session_process_->running(); }

bool CrashWorld::is_running(Victim victim) {
    switch (victim) {
    case Victim::odmrd: return odmrd_->process() != nullptr && odmrd_->process()->running();
    case Victim::odmr_fetch:
    case Victim::fetchmail: return session_process_ && session_process_->running();
    case Victim::customer_postfix: {
        const pid_t master = std::atoi(read_file(customer_->directory() + "/queue/pid/master.pid").c_str());
        return master > 0 && ::kill(master, 0) == 0;
    }
    }
    return false;
}

void CrashWorld::kill(Victim victim) {
    switch (victim) {
    case Victim::odmrd: odmrd_->process()->kill_now(); break;
    case Victim::odmr_fetch:
    case Victim::fetchmail:
        if (session_process_) session_process_->kill_now();
        break;
    case Victim::customer_postfix: customer_->kill_now(); break;
    }
}

void CrashWorld::restart(Victim victim) {
    switch (victim) {
    case Victim::odmrd: odmrd_->start(); break;
    case Victim::odmr_fetch:
    case Victim::fetchmail: break;  // every session starts a new client
    case Victim::customer_postfix:
        customer_->start();
        if (setup_ == Setup::atrn_with_odmr_fetch && !wait_for_port(relay_port_, 10s)) {
            throw std::runtime_error("the customer's listener does not start again:\n" + tail(customer_->log()));
        }
        break;
    }
}

std::string CrashWorld::wait_until_settled() {
    if (session_process_ && !session_process_->wait(180s)) {
        return session_process_name() + " did not end within 180 s after the kill";
    }

    const bool odmrd_alive = odmrd_->process() != nullptr && odmrd_->process()->running();
    if (odmrd_alive && ended_before_session_ && !wait_for_session_end(*ended_before_session_, 180s)) {
        return "odmrd did not end the session within 180 s after the kill";
    }

    // Postfix's lmtp client gives up on a lost bridge connection at once,
    // so nothing stays in the active queue for long.
    const bool deferred = wait_until(
        [&] {
            for (const auto& message : provider_->queue()) {
                if (message.queue_name != "deferred") return false;
            }
            return true;
        },
        180s);
    if (!deferred) return "the provider still delivers 180 s after the kill";
    return {};
}

std::string CrashWorld::run_clean_session() {
    std::string failure;
    try {
        start_session();
    } catch (const std::exception& error) {
        return concat("the clean session did not start: ", error.what());
    }

    if (session_process_) {
        const auto status = session_process_->wait(300s);
        if (!status) {
            session_process_->kill_now();
            return concat(session_process_name(), "'s clean session did not end within 300 s:\n",
                          tail(session_process_->output()));
        }
        // fetchmail exits with 1 when no mail was waiting (fetchmail(1),
        // EXIT CODES, checked with 6.4.37).
        const bool success = *status == 0 || (setup_ == Setup::atrn_with_fetchmail && *status == 1);
        if (!success) {
            failure = concat(session_process_name(), " ended the clean session with status ", *status, ":\n",
                             tail(session_process_->output()));
        }
    } else if (ended_before_session_ && !wait_for_session_end(*ended_before_session_, 300s)) {
        return "odmrd did not end the clean session within 300 s";
    }
    if (!failure.empty()) return failure;

    if (!wait_until([&] { return provider_->queued_recipients() == 0; }, 60s)) {
        return concat(provider_->queued_recipients(),
                      " recipients are still queued at the provider after the clean session");
    }
    if (!wait_until([&] { return customer_->queued_recipients() == 0; }, 60s)) {
        return concat(customer_->queued_recipients(),
                      " recipients are still queued at the customer after the clean session");
    }
    return {};
}

std::string CrashWorld::maildir() const { return customer_->directory() + "/mail/maildir"; }

std::string CrashWorld::diagnostics() const {
    std::string queue;
    run_command({"postqueue", "-c", provider_->directory(), "-p"}, queue);
    std::string text = "provider queue:\n" + queue;
    text += "\nodmrd log:\n" + tail(odmrd_->log());
    text += "\nprovider maillog:\n" + tail(provider_->log());
    text += "\ncustomer maillog:\n" + tail(customer_->log());
    if (session_process_) text += concat("\n", session_process_name(), " log:\n", tail(session_process_->output()));
    return text;
}

}  // namespace odmr::test
