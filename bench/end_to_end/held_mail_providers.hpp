// The two providers the benchmark compares, each a private Postfix that
// keeps mail for example.com queued until a client requests it:
//
//   PostfixEtrnProvider  Postfix alone: an smtp transport held by
//                        defer_transports straight to the sink, flushed by
//                        Postfix's own ETRN over one connection at a time.
//   OdmrProvider         Postfix set up from conf-examples/postfix/ with
//                        odmrd in front: ATRN on odmrd's port, and ETRN on
//                        odmrd's ETRN port with the sink as the fixed
//                        address.
//
// Both are filled by smtp-source through their smtpd with the same
// messages, and both use the same tuning, so the only difference is the
// path the mail leaves by.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/end_to_end/timed_process.hpp"
#include "tests/harness/odmrd_instance.hpp"
#include "tests/harness/postfix_instance.hpp"

namespace odmr::bench {

// The held messages of one run: count messages to held@example.com, each
// with a body of body_size bytes from smtp-source (lines of 80 bytes) and
// its few headers.
struct MessageLoad {
    std::size_t count = 0;
    std::size_t body_size = 0;
};

// The contents of a filled queue, as postqueue -j lists them.
struct HeldQueue {
    std::size_t messages = 0;
    std::uint64_t bytes = 0;
};

// Fills a Postfix instance with smtp-source and waits until the queue
// manager has deferred every message. Throws when the queue was not empty
// before or does not settle.
HeldQueue fill_held_queue(const test::PostfixInstance& postfix, const MessageLoad& load, const std::string& log_file);

// Counts the queue files in one of the instance's queues ("deferred"...).
std::size_t queue_files(const test::PostfixInstance& postfix, const std::string& queue);

class PostfixEtrnProvider {
public:
    PostfixEtrnProvider(const std::string& directory, const std::string& sink_address, std::uint16_t sink_port);

    test::PostfixInstance& postfix() { return *postfix_; }
    std::string directory() const { return postfix_->directory(); }

private:
    std::unique_ptr<test::PostfixInstance> postfix_;
};

class OdmrProvider {
public:
    static constexpr const char* login = "alice";
    static constexpr const char* password = "alice-secret";

    OdmrProvider(const std::string& directory, const std::string& sink_address, std::uint16_t sink_port);
    ~OdmrProvider();

    test::PostfixInstance& postfix() { return *postfix_; }
    test::OdmrdInstance& odmrd() { return *odmrd_; }
    std::uint16_t etrn_port() const { return etrn_port_; }
    pid_t odmrd_pid();

    // Starts a new odmrd with the same settings, so its heap contains
    // nothing from earlier runs. The prefix runs it under a profiler
    // ("valgrind --tool=callgrind"), and its output goes to the same log.
    void restart_odmrd(const std::vector<std::string>& prefix = {});

private:
    std::uint16_t etrn_port_;
    std::unique_ptr<test::PostfixInstance> postfix_;
    std::unique_ptr<test::OdmrdInstance> odmrd_;
    std::unique_ptr<TimedProcess> restarted_;  // the odmrd started by restart_odmrd
};

}  // namespace odmr::bench
