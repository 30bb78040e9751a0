// Watches a delivery session through what the real parts leave behind.
// odmrd logs one line per recipient attempt. In the customer Postfix's
// maillog, smtpd logs "client=" at MAIL, cleanup logs "message-id=" as the
// headers arrive, and qmgr logs "from=" once the message is committed. The
// customer's incoming queue file grows with the message text. From these
// the probe finds the phase of the mail transaction in flight, so a kill
// can aim at it and the trial can record the phase the kill hit.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/crash/trial_plan.hpp"

namespace odmr::test {

// Reads the complete lines appended to a file since the last call.
class LogFollower {
public:
    explicit LogFollower(std::string path);  // starts at the current end
    std::vector<std::string> new_lines();

private:
    std::string path_;
    std::uint64_t offset_ = 0;
    std::string partial_;
};

struct PhaseObservation {
    Phase phase = Phase::session_over;
    int transaction = 0;  // the customer's transaction (from 1) in flight or last finished
    std::string detail;
};

class SessionProbe {
public:
    // message_size is the size of each held message as sent (CRLF line
    // ends), which the customer's queue file reaches once the whole text
    // has arrived.
    SessionProbe(const std::string& odmrd_log, const std::string& customer_directory, std::size_t message_size);

    // Reads what the logs gained since the last call.
    void refresh();

    // Mail transactions the customer opened (MAIL accepted).
    int transactions_started() const { return static_cast<int>(transactions_.size()); }
    // Messages whose attempt odmrd logged, so Postfix has its reply.
    int transactions_finished() const { return static_cast<int>(finished_queue_ids_.size()); }
    bool session_ended() const { return session_ended_; }

    // Bytes of transaction n's queue file at the customer, or nothing once
    // the file left the incoming queue (committed and picked up by qmgr).
    std::optional<std::uint64_t> received_bytes(int transaction) const;
    // True when the queue file contains nearly the whole message: all but
    // the last few KB, which stay in stream buffers until the end of data.
    bool holds_whole_message(int transaction) const;

    // NOTE: the phase is the customer's. When odmrd or the ODMR client is
    // killed while the customer is in the middle of the message, the
    // socket buffers may still contain the rest of it and the final dot.
    // The customer then accepts the whole message while the provider keeps
    // it, so the message in flight arrives twice.
    PhaseObservation observe() const;

    // The Message-ID of the customer's last transaction, once cleanup
    // logged it.
    std::string last_message_id() const;

    std::size_t message_size() const { return message_size_; }

private:
    struct Transaction {
        std::string queue_id;
        std::string message_id;
        bool committed = false;
    };

    void read_odmrd_line(const std::string& line);
    void read_customer_line(const std::string& line);
    Transaction* find(const std::string& queue_id);

    LogFollower odmrd_log_;
    LogFollower customer_log_;
    std::string incoming_directory_;
    std::size_t message_size_;

    std::vector<Transaction> transactions_;
    std::set<std::string> finished_queue_ids_;
    bool session_ended_ = false;
};

}  // namespace odmr::test
