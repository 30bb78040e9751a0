#include "plugin/odmrd/etrn_runs.hpp"

#include <future>
#include <thread>

#include "plugin/odmrd/bridge_paths.hpp"
#include "smtp/io_error.hpp"
#include "smtp/log.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

// Everything a run thread needs, copied, so the tables may be reloaded
// while it runs.
struct RunRequest {
    QueueDomain domain;
    bool include_subdomains = false;
    std::vector<HeldMessage> waiting;
    std::string trigger;
};

// Starts TLS as the domain's policy says. Returns false when the policy
// requires TLS and the customer cannot provide it.
bool apply_tls_policy(Connection& customer, CustomerGreeting& greeting, const QueueDomain& domain,
                      const std::string& host, const DeliverySettings& settings, std::string& failure) {
    if (domain.etrn_tls == TlsPolicy::none) return true;
    if (!greeting.capabilities.has("STARTTLS")) {
        failure = "the customer does not offer STARTTLS";
        return domain.etrn_tls == TlsPolicy::may;
    }

    const Reply reply = send_command(customer, "STARTTLS", Deadline::after(settings.bridge.customer.command));
    if (reply.code != 220) {
        failure = concat("the customer rejected STARTTLS: ", reply.summary());
        return domain.etrn_tls == TlsPolicy::may;
    }

    const auto context = TlsContext::client(domain.etrn_tls_ca_file, domain.etrn_tls_verify);
    customer.start_tls(*context, TlsStream::Role::client, host, Deadline::after(settings.bridge.customer.command));

    // RFC 3207 section 4.2: the capabilities are asked again under TLS.
    const Greeting ehlo = send_ehlo(customer, settings.hostname, Deadline::after(settings.bridge.customer.command));
    if (!ehlo.reply.positive_completion()) throw IoError(IoError::Kind::protocol, "EHLO after STARTTLS failed: " + ehlo.reply.summary());
    greeting.capabilities = ehlo.capabilities;
    return true;
}

}  // namespace

EtrnRuns::Start EtrnRuns::start(const QueueDomain& domain, bool include_subdomains, std::vector<HeldMessage> waiting,
                                const std::string& trigger, bool wait_for_connection) {
    // The run is marked before the domain lock is taken, so that requests
    // arriving together join this run instead of finding the lock held.
    Clock::time_point previous_start;
    auto connected = std::make_shared<std::promise<void>>();
    std::shared_future<void> ready;
    bool joining = false;
    {
        const std::lock_guard lock(mutex_);
        DomainState& state = states_[domain.domain];
        if (state.running) {
            ready = state.connected;
            joining = true;
        } else {
            if (Clock::now() - state.last_start < settings_.min_interval) return Start::rate_limited;
            state.running = true;
            previous_start = state.last_start;
            state.last_start = Clock::now();
            state.connected = connected->get_future().share();
            ready = state.connected;
        }
    }
    if (joining) {
        // A joining request through Postfix must also wait for the bridge,
        // or Postfix's flush would find no socket and defer the mail.
        if (wait_for_connection) ready.wait();
        return Start::joined;
    }

    // Called when no run starts after all. Joiners stop waiting, and neither
    // the running mark nor the rate limit stays behind for the next request.
    const auto abandon = [&] {
        connected->set_value();
        const std::lock_guard lock(mutex_);
        DomainState& state = states_[domain.domain];
        state.running = false;
        state.last_start = previous_start;
    };

    std::string busy;
    std::optional<std::vector<DomainLock>> locks;
    try {
        locks = DomainLock::acquire_all(settings_.delivery.bridge_directory, {domain.domain}, busy);
    } catch (...) {
        abandon();
        throw;
    }
    if (!locks) {
        // An ATRN session has the domain locked.
        // NOTE: a request that joined during this short window got a success reply
        // although no run follows; its mail stays queued for the ATRN session.
        abandon();
        return Start::busy;
    }

    auto request = std::make_shared<RunRequest>(RunRequest{domain, include_subdomains, std::move(waiting), trigger});
    auto held_locks = std::make_shared<std::vector<DomainLock>>(std::move(*locks));

    std::thread([this, request, held_locks, connected] {
        const QueueDomain& queue_domain = request->domain;
        const Endpoint endpoint = parse_endpoint(*queue_domain.etrn_address, 25);
        const std::string address = concat("[", endpoint.host, "]:", endpoint.port);
        const auto started = Clock::now();
        log::info(concat("session=etrn start: domain=", queue_domain.domain, " trigger=", request->trigger,
                         " customer=", address, " waiting=", request->waiting.size(), " messages"));

        std::string failure;
        bool signalled = false;
        try {
            const int fd = connect_tcp(endpoint.host, endpoint.port, Deadline::after(settings_.connect_timeout));
            Connection customer(std::make_unique<FdStream>(fd), 4096);
            CustomerGreeting greeting = greet_customer(customer, settings_.delivery);
            if (!apply_tls_policy(customer, greeting, queue_domain, endpoint.host, settings_.delivery, failure)) {
                send_command(customer, "QUIT", Deadline::after(settings_.delivery.bridge.customer.command));
                throw IoError(IoError::Kind::protocol, failure + ", and etrn_tls=encrypt requires TLS");
            }
            if (!failure.empty()) {
                log::info(concat("session=etrn domain=", queue_domain.domain, ": ", failure, "; sending without TLS"));
            }

            SessionIdentity identity{"etrn", concat(greeting.name, "[", peer_address(fd), "]:", endpoint.port), "",
                                     {queue_domain.domain}, request->include_subdomains};
            connected->set_value();
            signalled = true;

            const DeliveryResult result = deliver_to_customer(customer, greeting, identity, std::move(request->waiting), host_,
                                                              settings_.delivery);
            const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
            log::info(concat("session=etrn end: domain=", queue_domain.domain, " relay=", identity.relay, " sent=",
                             result.counters.sent, " deferred=", result.counters.deferred, " bounced=",
                             result.counters.bounced, " messages=", result.counters.messages, " bytes=",
                             result.counters.bytes, " duration=", static_cast<long long>(seconds * 1000) / 1000.0,
                             "s reason=", result.end_reason));
        } catch (const std::exception& error) {
            // The mail was never offered to Postfix's lmtp client, so it
            // stays deferred as it was: no bounce, no retry count.
            log::warning(concat("session=etrn end: domain=", queue_domain.domain, " customer=", address,
                                " reason=cannot deliver: ", error.what(), "; the mail stays queued"));
        }
        if (!signalled) connected->set_value();
        held_locks->clear();
        finish(queue_domain.domain);
    }).detach();

    if (wait_for_connection) ready.wait();
    return Start::started;
}

void EtrnRuns::finish(const std::string& domain) {
    const std::lock_guard lock(mutex_);
    states_[domain].running = false;
}

}  // namespace odmr
