// The provider's side of one customer connection while it carries mail:
// the turned-around ATRN connection, or a new connection for ETRN. Postfix's
// lmtp client may open several bridge connections for the session's
// domains; they take turns on the one customer connection, a whole mail
// transaction at a time.
//
// The session also tracks which recipients were waiting when it began, so
// it knows when everything has been attempted.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "plugin/host/host_queue.hpp"
#include "smtp/capabilities.hpp"
#include "smtp/connection.hpp"

namespace odmr {

struct SessionIdentity {
    std::string kind;    // "atrn" or "etrn", the session= field of log lines
    std::string relay;   // "name[192.0.2.9]:port", the relay= field
    std::string login;   // the account, for ATRN
    std::set<std::string> domains;  // lower case
    bool include_subdomains = false;  // ETRN @domain: subdomains of the domains too

    // True when a recipient domain (any case) belongs to this session.
    bool covers(std::string_view domain) const;
};

// How one recipient's attempt ended, as Postfix's status= field says it.
enum class AttemptStatus { sent, deferred, bounced };

struct SessionCounters {
    std::uint64_t sent = 0;
    std::uint64_t deferred = 0;
    std::uint64_t bounced = 0;
    std::uint64_t messages = 0;  // message bodies accepted by the customer
    std::uint64_t bytes = 0;     // body bytes sent to the customer
};

class CustomerSession {
public:
    CustomerSession(SessionIdentity identity, Connection& customer, Capabilities capabilities);

    const SessionIdentity& identity() const { return identity_; }
    const Capabilities& capabilities() const { return capabilities_; }
    bool owns_domain(std::string_view domain) const;

    // Exclusive use of the customer connection for one mail transaction.
    class Transaction {
    public:
        explicit Transaction(CustomerSession* session) : session_(session) {}
        Transaction(Transaction&& other) noexcept : session_(other.session_) { other.session_ = nullptr; }
        Transaction& operator=(Transaction&& other) noexcept {
            if (this != &other) {
                end();
                session_ = other.session_;
                other.session_ = nullptr;
            }
            return *this;
        }
        ~Transaction();
        Connection& customer() { return session_->customer_; }
        void end();  // gives the connection back early

    private:
        CustomerSession* session_;
    };

    // Waits for the connection. Returns nothing when the session is closing
    // or broken, or when the deadline passes.
    std::optional<Transaction> begin_transaction(Deadline deadline);

    // The customer connection failed or broke the protocol: no transaction
    // may use it again.
    void mark_broken(const std::string& reason);
    bool broken() const;
    std::string broken_reason() const;

    // Stops new transactions, waits for the one running to end, and gives
    // the connection to the caller, for QUIT.
    void close(Deadline deadline);

    // Adds the recipients of held mail that this session has not attempted
    // yet to the set it waits for.
    void expect(const std::vector<HeldMessage>& held);
    std::size_t pending_recipients() const;

    // Records one recipient's attempt and counts it.
    void record_attempt(const std::string& queue_id, const std::string& recipient, AttemptStatus status);
    void record_message(std::uint64_t bytes);

    // When the message arrived at the provider, if the session listed it.
    std::optional<std::int64_t> arrival_time(const std::string& queue_id) const;

    // Restarts the grace period, as a delivery would.
    void note_activity();

    // Waits until no transaction has run or waited for `grace`. Returns
    // false at once when the session is broken or past the deadline.
    bool wait_until_quiet(Clock::duration grace, Deadline deadline);

    SessionCounters counters() const;

private:
    static std::string recipient_key(const std::string& queue_id, const std::string& recipient);

    const SessionIdentity identity_;
    Connection& customer_;
    const Capabilities capabilities_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool busy_ = false;           // a transaction holds the connection
    int waiting_ = 0;             // transactions waiting for it
    bool closing_ = false;
    std::string broken_reason_;   // empty while the connection is usable
    Clock::time_point last_activity_ = Clock::now();

    std::set<std::string> pending_;    // queue id + recipient, waiting
    std::set<std::string> attempted_;  // queue id + recipient, done this session
    std::map<std::string, std::int64_t> arrival_times_;
    SessionCounters counters_;
};

}  // namespace odmr
