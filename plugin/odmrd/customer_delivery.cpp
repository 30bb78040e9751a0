#include "plugin/odmrd/customer_delivery.hpp"

#include <memory>

#include "plugin/odmrd/bridge_listener.hpp"
#include "smtp/domain.hpp"
#include "smtp/io_error.hpp"
#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

DomainFilter session_filter(const SessionIdentity& identity) {
    return [&identity](std::string_view domain) { return identity.covers(domain); };
}

CustomerGreeting greet_customer(Connection& customer, const DeliverySettings& settings) {
    const CustomerTimeouts& timeouts = settings.bridge.customer;
    const Reply greeting = customer.read_reply(Deadline::after(timeouts.greeting));
    if (greeting.code != 220) {
        throw IoError(IoError::Kind::protocol, concat("the customer's greeting is not 220: ", greeting.summary()));
    }

    const Greeting ehlo = send_ehlo(customer, settings.hostname, Deadline::after(timeouts.command));
    if (!ehlo.reply.positive_completion()) {
        throw IoError(IoError::Kind::protocol, concat("the customer rejected EHLO and HELO: ", ehlo.reply.summary()));
    }

    CustomerGreeting result;
    const std::string first_line = greeting.lines.empty() ? std::string() : greeting.lines.front();
    result.name = printable(first_line.substr(0, first_line.find(' ')), 100);
    if (result.name.empty()) result.name = "unknown";
    result.capabilities = ehlo.capabilities;
    return result;
}

// The domains to ask Postfix for: the session's own, and the recipient
// domains of the held mail, because Postfix indexes held mail by recipient
// domain and a session for @example.com covers mx.example.com too.
static std::set<std::string> domains_to_release(const SessionIdentity& identity, const std::vector<HeldMessage>& held) {
    std::set<std::string> domains = identity.domains;
    for (const auto& message : held) {
        for (const auto& recipient : message.recipients) domains.insert(domain_of(recipient));
    }
    return domains;
}

static void release_all(HostQueue& host, const SessionIdentity& identity, const std::set<std::string>& domains) {
    for (const auto& domain : domains) {
        try {
            host.release(domain);
        } catch (const HostQueueError& error) {
            log::warning(concat("session=", identity.kind, " relay=", identity.relay, ": cannot release ", domain, ": ",
                                error.what()));
        }
    }
}

// Asks the host for the domains' mail until every recipient waiting has
// been attempted. Returns why the session ends.
static std::string release_until_done(CustomerSession& session, HostQueue& host, const DeliverySettings& settings,
                                      std::set<std::string> domains) {
    const SessionIdentity& identity = session.identity();
    const DomainFilter filter = session_filter(identity);
    int rounds_without_progress = 0;
    std::size_t pending_before = session.pending_recipients();

    while (true) {
        release_all(host, identity, domains);
        session.note_activity();
        if (!session.wait_until_quiet(settings.release_grace_time, Deadline::never())) {
            return concat("lost the customer: ", session.broken_reason());
        }

        // Mail that arrived meanwhile, or that Postfix did not bring yet,
        // is still listed; what this session already attempted is not.
        try {
            const auto held = host.list_held(filter);
            session.expect(held);
            domains = domains_to_release(identity, held);
        } catch (const HostQueueError& error) {
            return concat("cannot read the mail queue: ", error.what());
        }

        const std::size_t pending = session.pending_recipients();
        if (pending == 0) return "all waiting mail attempted";
        rounds_without_progress = pending < pending_before ? 0 : rounds_without_progress + 1;
        pending_before = pending;
        if (rounds_without_progress >= settings.release_rounds) {
            return concat(pending, " recipients still waiting after ", settings.release_rounds,
                          " requests to release them");
        }
    }
}

DeliveryResult deliver_to_customer(Connection& customer, const CustomerGreeting& greeting, SessionIdentity identity,
                                   std::vector<HeldMessage> waiting, HostQueue& host,
                                   const DeliverySettings& settings) {
    auto session = std::make_shared<CustomerSession>(std::move(identity), customer, greeting.capabilities);
    session->expect(waiting);
    std::set<std::string> domains = domains_to_release(session->identity(), waiting);
    waiting = {};

    DeliveryResult result;
    {
        BridgeListener bridge(session, settings.bridge_directory, settings.socket_group, settings.bridge);
        try {
            bridge.start();
            result.end_reason = release_until_done(*session, host, settings, std::move(domains));
        } catch (const std::exception& error) {
            result.end_reason = concat("bridge failed: ", error.what());
            log::error(concat("session=", session->identity().kind, " relay=", session->identity().relay, ": ",
                              result.end_reason));
        }
        session->close(Deadline::after(settings.bridge.customer.data_done));
        bridge.stop();
    }

    // A broken connection may be inside DATA, where QUIT would become
    // message text; it is closed without a word instead.
    if (!session->broken()) {
        try {
            send_command(customer, "QUIT", Deadline::after(settings.bridge.customer.command));
        } catch (const IoError& error) {
            log::debug(concat("QUIT to ", session->identity().relay, " failed: ", error.what()));
        }
    }
    result.counters = session->counters();
    return result;
}

}  // namespace odmr
