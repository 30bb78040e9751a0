// odmr-fetch as a daemon: jobs on their schedule, SIGHUP reloads the jobs
// table, SIGTERM lets the message in flight finish and then exits.
#include <signal.h>

#include <atomic>
#include <regex>
#include <thread>

#include "smtp/text.hpp"
#include "tests/fetch/fetch_fixture.hpp"
#include "tests/fetch/scripted_server.hpp"
#include "tests/harness/network.hpp"

namespace odmr::test {
namespace {

using namespace std::chrono_literals;

using FetchDaemon = FetchFixture;

TEST_F(FetchDaemon, RunsScheduleReloadsAndStops) {
    start_atrn();
    hold_message({"a@example.com"}, "for the first job");
    const std::string alice = with_schedule(atrn_job("alice", "example.com;alice:alice-secret"), "every=1s");
    fetch_->write_jobs({alice});
    fetch_->start_daemon();

    ASSERT_TRUE(customer_->wait_for_delivered(1, 30s)) << fetch_->daemon_log();

    // A second job arrives with a reload, and then collects its own mail.
    // The mail is queued first, because once the job exists it may collect
    // the mail before the fixture has seen it deferred at the provider.
    hold_message({"b@example.net"}, "for the second job");
    const std::string bob = with_schedule(atrn_job("bob", "example.net;bob:bob-secret"), "every=1s");
    fetch_->write_jobs({alice, bob});
    fetch_->daemon()->signal(SIGHUP);
    ASSERT_TRUE(fetch_->wait_for_daemon_log("reloaded the jobs table: 2 jobs", 10s)) << fetch_->daemon_log();
    ASSERT_TRUE(customer_->wait_for_delivered(2, 30s)) << fetch_->daemon_log();

    // A broken table leaves the jobs as they were.
    fetch_->write_jobs({"broken"});
    fetch_->daemon()->signal(SIGHUP);
    ASSERT_TRUE(fetch_->wait_for_daemon_log("reload failed, keeping the old jobs", 10s)) << fetch_->daemon_log();
    EXPECT_TRUE(fetch_->daemon()->running());

    fetch_->daemon()->signal(SIGTERM);
    const auto status = fetch_->daemon()->wait(20s);
    ASSERT_TRUE(status) << fetch_->daemon_log();
    EXPECT_EQ(*status, 0) << fetch_->daemon_log();
    EXPECT_NE(fetch_->daemon_log().find("odmr-fetch stopped"), std::string::npos);
    EXPECT_EQ(fetch_->daemon_log().find("secret"), std::string::npos) << "a password reached the log";
}

TEST_F(FetchDaemon, LogsEachJobsNextRun) {
    // Nothing listens on the provider's port, so the interval job fails at
    // once and logs its retry.
    const std::string provider = concat("127.0.0.1:", free_port());
    fetch_->write_jobs({concat("soon ", provider, " etrn example.com every=1h"),
                        concat("daily ", provider, " etrn example.com at=03:00"),
                        concat("manual ", provider, " etrn example.com on-demand")});
    fetch_->start_daemon();

    ASSERT_TRUE(fetch_->wait_for_daemon_log("soon: 1 failure in a row; next run at ", 20s)) << fetch_->daemon_log();
    const std::string log = fetch_->daemon_log();
    const std::string iso_time = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}";
    EXPECT_TRUE(std::regex_search(log, std::regex("soon: next run at " + iso_time + " \\(in 0s\\)"))) << log;
    EXPECT_TRUE(std::regex_search(
        log, std::regex("daily: next run at [0-9]{4}-[0-9]{2}-[0-9]{2}T03:00:00[+-][0-9]{2}:[0-9]{2} \\(in [0-9]+s\\)")))
        << log;
    EXPECT_TRUE(std::regex_search(log, std::regex("soon: 1 failure in a row; next run at " + iso_time +
                                                  " \\(in 3[56][0-9]{2}s\\)")))
        << log;
    EXPECT_NE(log.find("manual: on-demand, so no run is scheduled; run it with odmr-fetch --once --job manual"),
              std::string::npos)
        << log;

    fetch_->daemon()->signal(SIGTERM);
    const auto status = fetch_->daemon()->wait(20s);
    ASSERT_TRUE(status) << fetch_->daemon_log();
    EXPECT_EQ(*status, 0) << fetch_->daemon_log();
}

TEST_F(FetchDaemon, StopFinishesTheMessageInFlight) {
    // The provider is real; the local MTA is scripted so that it can hold
    // its reply to the first message until SIGTERM has arrived.
    start_atrn();
    hold_message({"first@example.com"}, "one of these is in flight when the stop comes");
    hold_message({"second@example.com"}, "and the other stays with the provider");

    std::atomic<bool> in_body{false};
    std::atomic<bool> may_reply{false};
    std::atomic<int> accepted{0};
    std::string recipient;  // of the message in flight; written before in_body
    ScriptedServer local([&](Connection& connection) {
        connection.send_reply(220, "fake.local ESMTP");
        while (true) {
            const std::string line(connection.read_line(Deadline::after(Seconds(30))).text);
            const std::string verb = to_upper(line.substr(0, 4));
            if (verb == "EHLO") connection.send_reply(250, "fake.local\nPIPELINING");
            else if (verb == "MAIL" || verb == "RSET") connection.send_reply(250, "2.0.0 Ok");
            else if (verb == "RCPT") {
                if (!in_body) recipient = line.substr(9, line.find('>') - 9);
                connection.send_reply(250, "2.1.5 Ok");
            }
            else if (verb == "QUIT") {
                connection.send_reply(221, "2.0.0 Bye");
                connection.flush(Deadline::after(Seconds(5)));
                return;
            } else if (verb == "DATA") {
                connection.send_reply(354, "End data with <CR><LF>.<CR><LF>");
                connection.flush(Deadline::after(Seconds(5)));
                while (connection.read_line(Deadline::after(Seconds(30))).text != ".") {
                }
                in_body = true;
                wait_until([&] { return may_reply.load(); }, 30s);
                connection.send_reply(250, concat("2.0.0 Ok: queued as FAKE", ++accepted));
            } else {
                connection.send_reply(502, "5.5.1 Not here");
            }
            connection.flush(Deadline::after(Seconds(5)));
        }
    });
    fetch_->write_jobs({with_schedule(atrn_job_line("office", "127.0.0.2", odmrd_port_2_, "example.com;alice:alice-secret",
                                                    local.port(), "xclient=no"),
                                      "every=1h")});
    fetch_->start_daemon();

    ASSERT_TRUE(wait_until([&] { return in_body.load(); }, 30s)) << fetch_->daemon_log();
    fetch_->daemon()->signal(SIGTERM);
    ASSERT_TRUE(fetch_->wait_for_daemon_log("stopping on request", 10s)) << fetch_->daemon_log();
    may_reply = true;

    const auto status = fetch_->daemon()->wait(30s);
    ASSERT_TRUE(status) << fetch_->daemon_log();
    EXPECT_EQ(*status, 0) << fetch_->daemon_log();
    EXPECT_EQ(accepted.load(), 1);
    EXPECT_NE(fetch_->daemon_log().find("FAKE1: from=<sender@sender.test>, nrcpt=1"), std::string::npos)
        << fetch_->daemon_log();
    EXPECT_NE(fetch_->daemon_log().find("reason=stopped on request"), std::string::npos) << fetch_->daemon_log();

    // The message in flight counts as delivered at the provider, and the
    // other one stays queued for the next session.
    ASSERT_TRUE(odmrd_->wait_for_log("session=atrn end:", 20s)) << odmrd_->log();
    const std::string other = recipient == "first@example.com" ? "second@example.com" : "first@example.com";
    const auto queue = provider_->queue();
    ASSERT_EQ(queue.size(), 1u) << provider_->log();
    ASSERT_EQ(queue.front().recipients.size(), 1u);
    EXPECT_EQ(queue.front().recipients.front(), other) << "in flight: " << recipient;
}

}  // namespace
}  // namespace odmr::test
